using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Execution;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 19: one rule for every key and certificate pair, whichever CA issues it (PairReconciler); the issuer only judges
/// the certificate and says how a new one is obtained. The same fault on the same files gives the same steps under both,
/// and so does an agent off the one pair agents.user: common shares (CommonPair).
/// </summary>
[Trait("Category", "Unit")]
public sealed class PairReconcilerTests
{
    private static readonly DateTimeOffset Now = TrustedRenewalTests.Clock();

    public static TheoryData<string> Pairs() => ["server", "agent"];

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task A_good_pair_left_readable_by_others_gets_the_same_mode_change_under_either_CA(string which)
    {
        // Given the same lab converged on PEM's own CA, and another converged on a trusted CA
        using var selfSigned = Lab.Create(agents: 2);
        await selfSigned.ApplyAsync(Now);
        using var trusted = await TrustedRenewalTests.ConvergedOnTrustedCaAsync(Now);

        foreach (var lab in new[] { selfSigned, trusted })
        {
            // When the pair's key is made readable by others
            var (address, key) = KeyOf(lab, which);
            File.SetUnixFileMode(key, (UnixFileMode)0b110_100_100);
            var plan = await lab.PlanAsync(Now);

            // Then the one step is the mode change on that file: the certificate is good, nothing is replaced or restarted
            var step = Assert.Single(plan.Steps);
            Assert.Equal((address, StepAction.SetMode, key), (step.Address, step.Action, step.Paths[0]));
            Assert.Equal($"{Path.GetFileName(key)} has mode 0644, want 0600", step.Reason);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public async Task A_broken_pair_is_backed_up_first_then_replaced_the_issuers_way()
    {
        // Given the same two labs, each with agent 1's key swapped for a stranger's
        using var selfSigned = Lab.Create(agents: 2);
        await selfSigned.ApplyAsync(Now);
        using var trusted = await TrustedRenewalTests.ConvergedOnTrustedCaAsync(Now);
        foreach (var lab in new[] { selfSigned, trusted })
            File.Copy(Path.Combine(lab.CertDir(2), "agent2.key"), Path.Combine(lab.CertDir(1), "agent1.key"), overwrite: true);

        // When each is planned (the trusted CA's: once its request is signed)
        var self = (await selfSigned.PlanAsync(Now)).Steps.Where(s => s.Address == Addresses.AgentCertificate(1)).ToList();
        await trusted.ApplyAsync(Now);
        ExternalCa.Run(trusted.Root, "sign");
        var external = (await trusted.PlanAsync(Now)).Steps.Where(s => s.Address == Addresses.AgentCertificate(1)).ToList();

        // Then both back the pair up first, for the same reason, and then replace it their own way
        Assert.Equal([StepAction.Backup, StepAction.GenerateKey, StepAction.Issue, StepAction.Install], self.Select(s => s.Action));
        Assert.Equal([StepAction.Backup, StepAction.InstallSigned], external.Select(s => s.Action));
        Assert.Equal("agent1.key does not belong to agent1.crt", self[0].Reason);
        Assert.StartsWith("agent1.key does not belong to agent1.crt; ", external[0].Reason, StringComparison.Ordinal);
        Assert.Equal(external[0].Reason, external[1].Reason);
    }

    public static TheoryData<string> CommonFaults() => ["missing", "another pair"];

    [Theory]
    [MemberData(nameof(CommonFaults))]
    public async Task An_agent_off_the_common_pair_gets_it_back_from_the_agent_holding_it_for_the_same_reason_under_either_CA(string fault)
    {
        // Given a common-user lab converged on PEM's own CA, and another converged on a trusted CA
        using var selfSigned = Lab.Create(user: "common");
        await selfSigned.ApplyAsync(Now);
        using var trusted = await ExternalCa.ConvergeAsync(Lab.Create(user: "common"), Now);

        var lanes = new List<List<PlanStep>>();
        foreach (var lab in new[] { selfSigned, trusted })
        {
            // When agent 2 loses its key, or holds a pair of its own (the server's)
            var key = Path.Combine(lab.CertDir(2), "agent.key");
            if (fault == "missing") File.Delete(key);
            else
            {
                File.Copy(Path.Combine(lab.DataDir, "server.key"), key, overwrite: true);
                File.Copy(Path.Combine(lab.DataDir, "server.crt"), Path.Combine(lab.CertDir(2), "agent.crt"), overwrite: true);
            }
            var plan = await lab.PlanAsync(Now);
            lanes.Add([.. plan.Steps.Where(s => s.Address == Addresses.AgentCertificate(2))]);

            // Then nothing new is obtained: agent 1 keeps the common pair, and agent 2 is backed up and given agent 1's copy
            Assert.DoesNotContain(plan.Steps, s => s.Action is StepAction.GenerateKey or StepAction.RequestSignature or StepAction.InstallSigned);
            Assert.DoesNotContain(plan.Steps, s => s.Address == Addresses.AgentCertificate(1));
        }
        foreach (var lane in lanes)
        {
            Assert.Equal([StepAction.Backup, StepAction.Install], lane.Select(s => s.Action));
            Assert.Equal(Addresses.AgentCertificate(1), Assert.IsType<InstallStep>(lane[1]).Source);
            Assert.Equal(fault == "missing" ? "agent.key is missing" : "holds a different pair than the common one in agent[1].certificate", lane[1].Reason);
        }
        // and the two CAs' plans for it are the same steps for the same reasons
        Assert.Equal(lanes[0].Select(s => (s.Action, s.Reason)), lanes[1].Select(s => (s.Action, s.Reason)));
    }

    private static (ResourceAddress Address, string Key) KeyOf(Lab lab, string which) => which switch
    {
        "agent" => (Addresses.AgentCertificate(2), Path.Combine(lab.CertDir(2), "agent2.key")),
        _ => (Addresses.ServerCertificate, Path.Combine(lab.DataDir, "server.key")),
    };
}
