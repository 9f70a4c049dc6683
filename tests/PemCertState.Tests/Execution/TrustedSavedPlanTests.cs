using System.Globalization;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>A saved plan (plan --out) with a trusted CA depends on the pending keys, the requests and the signed folder too.</summary>
public sealed class TrustedSavedPlanTests
{
    private static Dictionary<string, string?> At(DateTimeOffset now) =>
        new() { ["PEMSTATE_NOW"] = now.ToString("O", CultureInfo.InvariantCulture) };

    [Fact]
    public async Task A_saved_install_plan_is_refused_when_a_file_appears_in_signed_and_the_file_is_named()
    {
        // Given a lab switched to the trusted CA, its requests signed, and the install saved as a plan
        var now = TrustedRenewalTests.Clock();
        var RealClock = At(now);
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync(now);
        ExternalCa.SwitchLab(lab);
        Assert.Equal(3, Pemstate.RunWith(lab.Root, RealClock, "apply", "--auto-approve").ExitCode);
        ExternalCa.Run(lab.Root, "sign");
        var plan = Pemstate.RunWith(lab.Root, RealClock, "plan", "--out", "install.plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        Assert.Contains("install signed", plan.Stdout, StringComparison.Ordinal);

        // When another certificate is dropped into signed/ after the plan was made
        var extra = Path.Combine(lab.Root, "signed", "late.crt");
        File.Copy(Path.Combine(lab.Root, "signed", "agent1.crt"), extra);
        var before = lab.Fingerprint();
        var apply = Pemstate.RunWith(lab.Root, RealClock, "apply", "install.plan");

        // Then the plan is refused as stale, naming the new file, and nothing changed
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("stale plan", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains($"local:{extra}: was not observed, now sha256=", apply.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, lab.Fingerprint());
    }

    [Fact]
    public async Task A_saved_request_plan_is_refused_when_a_pending_key_or_request_is_deleted()
    {
        // Given a lab switched to the trusted CA whose keys and requests are written, and the waiting plan saved
        var now = TrustedRenewalTests.Clock();
        var RealClock = At(now);
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync(now);
        ExternalCa.SwitchLab(lab);
        Assert.Equal(3, Pemstate.RunWith(lab.Root, RealClock, "apply", "--auto-approve").ExitCode);
        Assert.Equal(0, Pemstate.RunWith(lab.Root, RealClock, "plan", "--out", "waiting.plan").ExitCode);

        // When a pending key and a request are deleted behind its back
        var pending = Path.Combine(lab.CertDir(1), "agent1.key.pending");
        var request = Path.Combine(lab.Root, "csr", "server.csr");
        File.Delete(pending);
        File.Delete(request);
        var before = lab.Fingerprint();
        var apply = Pemstate.RunWith(lab.Root, RealClock, "apply", "waiting.plan");

        // Then it is refused and both are named
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("stale plan", apply.Stderr, StringComparison.Ordinal);
        // (a private key by its public key's fingerprint: a saved plan holds no hash of private key bytes)
        Assert.Contains($"pem:{pending}: was public_key_sha256=", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains($"local:{request}: was sha256=", apply.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, lab.Fingerprint());
    }
}
