using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Execution;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>Pending keys and requests a trusted CA leaves behind are removed, and the plan after that is empty.</summary>
public sealed class TrustedLeftoversTests
{

    [Fact]
    public async Task A_pending_key_and_request_left_beside_an_installed_pair_are_removed()
    {
        // Given a lab converged on the trusted CA, where an apply stopped after installing agent 1's pair (its pending key and request still there)
        var now = TrustedRenewalTests.Clock();
        using var lab = await TrustedRenewalTests.ConvergedOnTrustedCaAsync(now);
        var pending = Path.Combine(lab.CertDir(1), "agent1.key.pending");
        File.Copy(Path.Combine(lab.CertDir(1), "agent1.key"), pending);
        var request = Path.Combine(lab.Root, "csr", "agent1.csr");
        File.WriteAllText(request, PemCertState.Crypto.CertificateRequests.Create("/C=IN/ST=MH/L=Pune/O=PEM/CN=agent1",
            PemCertState.Crypto.PemCodec.DecodePrivateKey(File.ReadAllBytes(pending))!));

        // When it is planned and applied
        var (plan, _) = await lab.ApplyAsync(now);

        // Then one step removes both, nothing is restarted, and the next plan is empty
        var step = Assert.Single(plan.Steps);
        Assert.Equal((StepAction.RemovePending, "agent[1].certificate"), (step.Action, step.Address.ToString()));
        Assert.Contains("remove pending", PlanTextRenderer.Render(plan), StringComparison.Ordinal);
        Assert.False(File.Exists(pending));
        Assert.False(File.Exists(request));
        Assert.True(File.Exists(Path.Combine(lab.CertDir(1), "agent1.key")));
        var again = await lab.PlanAsync(now);
        Assert.True(again.IsEmpty, PlanTextRenderer.Render(again));
    }

    [Fact]
    public async Task Switching_back_to_self_signed_while_waiting_removes_every_pending_key_and_request()
    {
        // Given a lab switched to the trusted CA that wrote its requests and waits for the CA
        var now = TrustedRenewalTests.Clock();
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync(now);
        ExternalCa.SwitchLab(lab);
        await lab.ApplyAsync(now);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(lab.Root, "csr")).Length);

        // When the inventory goes back to self-signed and it is applied
        ExternalCa.SwitchBack(lab);
        var (plan, _) = await lab.ApplyAsync(now);

        // Then the three pending keys and the three requests are removed, and nothing else was needed: PEM's CA was never replaced
        Assert.Equal(["agent[1].certificate", "agent[2].certificate", "server.certificate"], plan.Steps.Where(s => s.Action == StepAction.RemovePending).Select(s => s.Address.ToString()));
        Assert.All(plan.Steps, s => Assert.Equal(StepAction.RemovePending, s.Action));
        Assert.Empty(Directory.GetFiles(Path.Combine(lab.Root, "csr")));
        Assert.Empty(Directory.GetFiles(lab.Root, "*.pending", SearchOption.AllDirectories));
        var again = await lab.PlanAsync(now);
        Assert.True(again.IsEmpty, PlanTextRenderer.Render(again));
    }
}
