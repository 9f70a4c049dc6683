using System.Globalization;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Moving from one trusted CA to another (issue 6) with overlapping trust: requests to the new CA first (nothing moves),
/// then (1) root.crt and root.crl hold both CAs and the server restarts trusting both, (2) every pair from the new CA is
/// installed, agents restarted, (3) the old CA leaves root.crt and root.crl, the server restarts last.
/// </summary>
public sealed class TrustedCaRotationTests
{

    [Fact]
    public async Task Moving_to_another_trusted_CA_requests_first_then_trusts_both_moves_every_pair_and_drops_the_old_CA()
    {
        // Given a lab converged on trusted CA "Example", and a second CA "Other" the inventory now names
        var now = TrustedRenewalTests.Clock();
        using var lab = await TrustedRenewalTests.ConvergedOnTrustedCaAsync(now);
        var oldAgent = Path.Combine(lab.Root, "agent1-old.crt");
        File.Copy(Path.Combine(lab.CertDir(1), "agent1.crt"), oldAgent);
        SwitchToOtherCa(lab, crl: true);
        File.WriteAllText(lab.RestartLog, "");
        var live = lab.Fingerprint().Where(f => !f.Key.Contains("/next/", StringComparison.Ordinal)).ToDictionary();

        // When it is applied before the new CA signed anything
        var (waiting, _) = await lab.ApplyAsync(now);

        // Then it only requests: a key and a request for the server and each agent, no live file touched, nothing restarted
        Assert.Equal([StepAction.GenerateKey, StepAction.RequestSignature], waiting.Steps.Select(s => s.Action).Distinct());
        Assert.Equal(["server.certificate", "agent[1].certificate", "agent[2].certificate"], waiting.Resources.Texts());
        Assert.Contains(waiting.Steps, s => s.Reason.Contains("does not chain to the trusted CA", StringComparison.Ordinal));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(lab.Root, "next", "csr")).Length);
        Assert.Equal("", File.ReadAllText(lab.RestartLog));

        // When the new CA signs them, the plan is the three phases in order
        ExternalCa.Run(Path.Combine(lab.Root, "next"), "sign");
        var plan = await lab.PlanAsync(now);
        Assert.Equal(
            ["server.root_crt", "server.root_crl", Addresses.ServerRestartTrustingBoth.ToString(), "server.certificate",
             "agent[1].certificate", "restart[agent 1]", "agent[2].certificate", "restart[agent 2]", "restart[server]"],
            plan.Resources.Texts());
        Assert.Contains(plan.Steps, s => s.Reason.StartsWith("CA rotation, phase 1: root.crt trusts the old CA", StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s.Reason.StartsWith("CA rotation, phase 3", StringComparison.Ordinal));
        Assert.Equal(Addresses.ServerRestartTrustingBoth, plan.Steps.First(s => s.Action == StepAction.Restart).Address);
        Assert.Empty(plan.Warnings);

        // When the apply stops right after phase 1 (the server restarted trusting both)
        var trustBoth = plan.Steps.ToList().FindIndex(s => s.Address == Addresses.ServerRestartTrustingBoth) + 1;
        Pemstate.ApplyAndKillAfterStep(lab.Root, trustBoth, now);

        // Then root.crt holds both CAs and root.crl a CRL of each: the old agent certificate and a new one both verify, CRLs checked
        var root = Path.Combine(lab.DataDir, "root.crt");
        var crl = Path.Combine(lab.DataDir, "root.crl");
        Assert.Equal(4, Certificates(root));
        var newAgent = Directory.GetFiles(Path.Combine(lab.Root, "next", "signed"), "agent1*").Single();
        foreach (var certificate in new[] { oldAgent, newAgent })
        {
            var verify = OpenSsl.Run("verify", "-crl_check_all", "-CAfile", root, "-CRLfile", crl, certificate);
            Assert.True(verify.ExitCode == 0, verify.Output);
        }
        Assert.Equal(live[Path.Combine(lab.CertDir(1), "agent1.crt")], lab.Fingerprint()[Path.Combine(lab.CertDir(1), "agent1.crt")]);

        // When the next plan runs: phase 2 and 3 follow, phase 1's writes are not repeated
        var rest = await lab.PlanAsync(now);
        Assert.DoesNotContain(rest.Steps, s => s.Reason.Contains("phase 1", StringComparison.Ordinal));
        Assert.Contains(rest.Steps, s => s.Address == Addresses.ServerRestartTrustingBoth);
        var apply = Pemstate.RunWith(lab.Root, At(now), "apply", "--auto-approve", "--break-lock");
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);

        // Then only the new CA is trusted, every pair comes from it and verifies with its CRL, and nothing is left to do
        Assert.Equal(2, Certificates(root));
        Assert.Equal(File.ReadAllText(Path.Combine(lab.Root, "next", "trusted", "ca.crt")), File.ReadAllText(root));
        Assert.Equal(File.ReadAllText(Path.Combine(lab.Root, "next", "trusted", "ca.crl")), File.ReadAllText(crl));
        var all = OpenSsl.Run("verify", "-crl_check_all", "-CAfile", root, "-CRLfile", crl,
            Path.Combine(lab.DataDir, "server.crt"), Path.Combine(lab.CertDir(1), "agent1.crt"), Path.Combine(lab.CertDir(2), "agent2.crt"));
        Assert.True(all.ExitCode == 0, all.Output);
        Assert.NotEqual(0, OpenSsl.Run("verify", "-CAfile", root, oldAgent).ExitCode);
        // restarts: the server trusting both (before the crash and again on the rerun, which cannot know it ran), agents, the server last
        Assert.Equal(["server", "server", "agent", "agent", "server"], File.ReadAllLines(lab.RestartLog));
        var again = await lab.PlanAsync(now);
        Assert.True(again.IsEmpty, PlanTextRenderer.Render(again));
        Assert.Empty(again.Warnings);
        Assert.Equal(0, Pemstate.RunWith(lab.Root, At(now), "verify").ExitCode);
    }

    [Fact]
    public async Task Moving_to_a_CA_without_a_CRL_comments_ssl_crl_file_out_while_both_are_trusted_and_removes_the_old_CRL()
    {
        // Given a lab converged on trusted CA "Example" with its CRL, and the inventory now naming "Other" with crl: none, signed
        var now = TrustedRenewalTests.Clock();
        using var lab = await TrustedRenewalTests.ConvergedOnTrustedCaAsync(now, agents: 1);
        SwitchToOtherCa(lab, crl: false);
        await lab.ApplyAsync(now);
        ExternalCa.Run(Path.Combine(lab.Root, "next"), "sign");

        // When it is planned and applied
        var (plan, _) = await lab.ApplyAsync(now);

        // Then phase 1 comments ssl_crl_file out (the new CA has no CRL to put beside the old one), phase 3 removes root.crl
        var phase1 = Assert.Single(plan.Steps.OfType<EditSettingsStep>());
        Assert.True(Assert.Single(phase1.Settings).CommentOut);
        Assert.StartsWith("CA rotation, phase 1: the new CA gives no CRL", phase1.Reason, StringComparison.Ordinal);
        Assert.True(plan.Steps.ToList().IndexOf(phase1) < plan.Steps.ToList().FindIndex(s => s.Address == Addresses.ServerRestartTrustingBoth));
        Assert.Contains(plan.Steps, s => s.Address.ToString() == "server.root_crl" && s.Action == StepAction.Remove);
        Assert.False(File.Exists(Path.Combine(lab.DataDir, "root.crl")));
        Assert.Contains("#ssl_crl_file", File.ReadAllText(Path.Combine(lab.DataDir, "postgresql.conf")), StringComparison.Ordinal);
        Assert.Equal(2, Certificates(Path.Combine(lab.DataDir, "root.crt")));
        Assert.Contains(": OK", OpenSsl.Run("verify", "-CAfile", Path.Combine(lab.DataDir, "root.crt"), Path.Combine(lab.CertDir(1), "agent1.crt")).Output, StringComparison.Ordinal);
        var again = await lab.PlanAsync(now);
        Assert.True(again.IsEmpty, PlanTextRenderer.Render(again));
    }

    /// <summary>Makes the second CA in lab/next and points ca: at it, with its own request and signed folders.</summary>
    private static void SwitchToOtherCa(Lab lab, bool crl)
    {
        ExternalCa.Run(Path.Combine(lab.Root, "next"), "init", name: "Other");
        var text = File.ReadAllText(lab.InventoryPath);
        const string from = "  certificate: trusted/ca.crt\n  crl: trusted/ca.crl\n";
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(lab.InventoryPath, text.Replace(from,
            $"  certificate: next/trusted/ca.crt\n  crl: {(crl ? "next/trusted/ca.crl" : "none")}\n  requests_dir: next/csr\n  signed_dir: next/signed\n", StringComparison.Ordinal));
    }

    private static int Certificates(string path) => File.ReadAllText(path).Split("BEGIN CERTIFICATE").Length - 1;

    private static Dictionary<string, string?> At(DateTimeOffset when) =>
        new() { ["PEMSTATE_NOW"] = when.ToString("O", CultureInfo.InvariantCulture) };
}
