using PemCertState.Inventory;
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
        Assert.DoesNotContain(plan.Steps, s => s.Address.ToString() == "ca");
        Assert.Contains(plan.Steps, s => s.Address == Addresses.ServerRestartTrustingBoth);
        Assert.Contains(plan.Steps, s => s.Reason.Contains("phase 3", StringComparison.Ordinal));
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--break-lock");
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Empty((await lab.PlanAsync()).Steps);
        Assert.Equal(1, File.ReadAllText(root).Split("BEGIN CERTIFICATE").Length - 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "verify").ExitCode);
    }

    [Fact]
    public async Task An_ecdsa_CA_made_before_it_was_refused_is_rotated_to_RSA_with_overlapping_trust()
    {
        // Given a lab converged with an ECDSA CA (allowed then by opting out), and the inventory now without the opt-out and with an RSA CA
        using var lab = Lab.Create(agents: 1, caKey: "{ algorithm: ecdsa, curve: p256 }");
        var ecdsa = File.ReadAllText(lab.InventoryPath);
        File.WriteAllText(lab.InventoryPath, ecdsa.Replace("  source: self-signed\n", "  source: self-signed\n  sslutils_compatible: false\n", StringComparison.Ordinal));
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, ecdsa.Replace("  key: { algorithm: ecdsa, curve: p256 }\n  validity: 3650d", "  key: { algorithm: rsa, bits: 2048 }\n  validity: 3650d", StringComparison.Ordinal));

        // When it is planned and applied
        var plan = await lab.PlanAsync();
        await lab.ApplyAsync();

        // Then the CA is replaced because of its key, the old CA stays trusted while leaves move, and the new key is one sslutils reads
        var generate = Assert.Single(plan.Steps.OfType<GenerateKeyStep>(), s => s.Address.ToString() == "ca");
        Assert.Equal("RSA 2048", generate.Key.ToString());
        Assert.Contains("key is ECDSA P-256, want RSA 2048", generate.Reason, StringComparison.Ordinal);
        Assert.Contains("rotating with overlapping trust", generate.Reason, StringComparison.Ordinal);
        Assert.Equal(0, Sslutils.ReadRsaPrivateKey(Path.Combine(lab.DataDir, "ca_key.key")).ExitCode);
        Assert.Empty((await lab.PlanAsync()).Steps);
    }
}
