using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>Rotating the self-signed CA without an outage: old and new CA trusted side by side while certificates move.</summary>
public sealed class CaRotationTests
{
    [Fact]
    public async Task Rotate_ca_replaces_the_CA_and_every_leaf_and_leaves_only_the_new_CA_trusted()
    {
        // Given a converged lab
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        var oldCa = File.ReadAllText(Path.Combine(lab.DataDir, "ca_certificate.crt"));
        File.WriteAllText(lab.RestartLog, "");

        // When the CA is rotated from the CLI
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--rotate-ca");

        // Then
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Contains("CA rotation, phase 1", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains("CA rotation, phase 3", apply.Stdout, StringComparison.Ordinal);
        var newCa = File.ReadAllText(Path.Combine(lab.DataDir, "ca_certificate.crt"));
        Assert.NotEqual(oldCa, newCa);
        Assert.Equal(newCa, File.ReadAllText(Path.Combine(lab.DataDir, "root.crt")));
        var verify = OpenSsl.Run("verify", "-crl_check_all", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), "-CRLfile", Path.Combine(lab.DataDir, "root.crl"),
            Path.Combine(lab.DataDir, "server.crt"), Path.Combine(lab.CertDir(1), "agent1.crt"), Path.Combine(lab.CertDir(2), "agent2.crt"));
        Assert.True(verify.ExitCode == 0, verify.Output);
        // restarts: the server once to trust both CAs, the agents, the server last
        Assert.Equal(["server", "agent", "agent", "server"], File.ReadAllLines(lab.RestartLog));
        Assert.Empty((await lab.PlanAsync()).Steps);
        Assert.Equal(0, Pemstate.Run(lab.Root, "verify").ExitCode);
    }

    [Fact]
    public async Task A_rotation_killed_after_phase_1_trusts_both_CAs_and_the_next_apply_continues_from_phase_2()
    {
        // Given a converged lab whose rotation is killed right after the server restarted on root.crt with both CAs
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        var oldAgentCertificate = Path.Combine(lab.Root, "agent1-old.crt");
        File.Copy(Path.Combine(lab.CertDir(1), "agent1.crt"), oldAgentCertificate);
        var phase1 = Planner.Create(lab.Desired, await lab.ObserveAsync(), Lab.Today, new PlanOptions(RotateCa: true));
        var trustBoth = phase1.Steps.ToList().FindIndex(s => s.Address == Addresses.ServerRestartTrustingBoth) + 1;
        Pemstate.ApplyAndKillAfterStep(lab.Root, trustBoth, extra: ["--rotate-ca"]);

        // Then root.crt and root.crl hold both CAs: the old agent certificate still verifies, CRL included, as PostgreSQL checks it
        var root = Path.Combine(lab.DataDir, "root.crt");
        Assert.Equal(2, File.ReadAllText(root).Split("BEGIN CERTIFICATE").Length - 1);
        var verify = OpenSsl.Run("verify", "-crl_check_all", "-CAfile", root, "-CRLfile", Path.Combine(lab.DataDir, "root.crl"), oldAgentCertificate);
        Assert.True(verify.ExitCode == 0, verify.Output);
        var status = Pemstate.Run(lab.Root, "status");
        Assert.Contains("trusted (old CA)", status.Stdout, StringComparison.Ordinal);

        // When the next plan runs without --rotate-ca
        var plan = await lab.PlanAsync();

        // Then it continues: phase 2 (the server restart that trusts both, every leaf) and phase 3, nothing of phase 1 again
        Assert.DoesNotContain(plan.Steps, s => s.Address == "ca");
        Assert.Contains(plan.Steps, s => s.Address == Addresses.ServerRestartTrustingBoth);
        Assert.Contains(plan.Steps, s => s.Reason.Contains("phase 3", StringComparison.Ordinal));
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--break-lock");
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Empty((await lab.PlanAsync()).Steps);
        Assert.Equal(1, File.ReadAllText(root).Split("BEGIN CERTIFICATE").Length - 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "verify").ExitCode);
    }
}
