using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using PemCertState.Verification;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 20, item 5: a leaf never outlives the CA that signs it. Its validity is cut to the CA's notAfter (and the plan
/// says so); a leaf whose CA has expired reads expired; a cut leaf inside its window is left to the CA's renewal instead
/// of being issued again on every run.
/// </summary>
public sealed class LeafValidityTests
{
    [Fact]
    public async Task Leaves_are_cut_to_end_with_a_CA_valid_100_days_and_the_plan_says_so()
    {
        // Given a lab whose CA is valid 100 days and whose leaves ask for 365
        using var lab = Lab.Create(agents: 2);
        SetCa(lab, validity: "100d", renewBefore: "10d");

        // When it is planned and applied
        var (plan, _) = await lab.ApplyAsync();

        // Then every leaf's issue step asks for 100 days and says why
        var issues = plan.Steps.OfType<IssueStep>().Where(s => s.Address != Addresses.Ca).ToList();
        Assert.Equal(3, issues.Count);
        Assert.All(issues, s =>
        {
            Assert.Equal(TimeSpan.FromDays(100), s.Request.Validity);
            Assert.Contains("valid 100 days instead of 365: cut to end with the CA on 2027-03-07", s.Reason, StringComparison.Ordinal);
        });
        // and no certificate on disk ends after the CA (openssl is the checker of the dates)
        var caEnd = NotAfter(Path.Combine(lab.DataDir, "ca_certificate.crt"));
        foreach (var leaf in new[] { Path.Combine(lab.DataDir, "server.crt"), Path.Combine(lab.CertDir(1), "agent1.crt"), Path.Combine(lab.CertDir(2), "agent2.crt") })
            Assert.True(NotAfter(leaf) <= caEnd, $"{leaf} ends after its CA");
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task A_leaf_whose_CA_has_expired_is_expired_in_status_and_verify()
    {
        // Given a converged lab with a CA valid 100 days, and agent 1 holding a 365-day leaf from that CA (an older pemstate's)
        using var lab = Lab.Create(agents: 2);
        SetCa(lab, validity: "100d", renewBefore: "10d");
        await lab.ApplyAsync();
        var keyPath = Path.Combine(lab.CertDir(1), "agent1.key");
        var key = PemCodec.DecodePrivateKey(File.ReadAllBytes(keyPath))!;
        var caCertificate = PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.DataDir, "ca_certificate.crt")))[0];
        var caKey = PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(lab.DataDir, "ca_key.key")))!;
        var longLeaf = new CertificateAuthority(caCertificate, caKey.Private)
            .Issue("/C=IN/ST=MH/L=Pune/O=PEM/CN=agent1", key.Public, LeafUsage.Client, Lab.Today, TimeSpan.FromDays(365));
        File.WriteAllText(Path.Combine(lab.CertDir(1), "agent1.crt"), PemCodec.EncodeCertificate(longLeaf));

        // When status and verify look 150 days later: the CA has expired, agent 1's own dates run for 215 more days
        var later = Lab.Today.AddDays(150);
        var observed = await lab.ObserveAsync();
        var status = StatusReport.Create(lab.Desired, observed, later);
        var findings = OfflineVerifier.Verify(lab.Desired, observed, later);

        // Then agent 1 is expired, not ok, and verify says its issuer has expired
        var row = status.Single(r => r.Address == Addresses.AgentCertificate(1));
        Assert.Equal("expired", row.State);
        Assert.True(row.DaysLeft > 0);
        Assert.Contains(findings, f => f.Address == Addresses.AgentCertificate(1).ToString() && f.Message.Contains("issuer certificate has expired", StringComparison.Ordinal));
        // (the CA row itself is expired too, and the plan replaces the CA and every leaf)
        Assert.Equal("expired", status.Single(r => r.Address == Addresses.Ca).State);
        var plan = await lab.PlanAsync(later);
        Assert.Contains(plan.Steps, s => s.Address == Addresses.AgentCertificate(1) && s.Action == StepAction.Issue);
    }

    [Fact]
    public async Task A_leaf_that_ends_with_its_CA_inside_its_window_is_not_issued_again_on_every_run()
    {
        // Given leaves cut to a 100-day CA, whose renew_before (10 days) is shorter than the leaves' (30 days)
        using var lab = Lab.Create(agents: 2);
        SetCa(lab, validity: "100d", renewBefore: "10d");
        await lab.ApplyAsync();
        var agent1 = File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent1.crt"));

        // When 75 days later (25 days left: inside the leaves' window, outside the CA's) it is planned and applied twice
        var later = Lab.Today.AddDays(75);
        var (first, _) = await lab.ApplyAsync(later);
        var (second, _) = await lab.ApplyAsync(later.AddHours(1));

        // Then nothing is issued, and one warning says why and what renews them
        Assert.Empty(first.Steps);
        Assert.Empty(second.Steps);
        Assert.Equal(agent1, File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent1.crt")));
        var warning = Assert.Single(first.Warnings, w => w.Contains("with the CA that signed them", StringComparison.Ordinal));
        Assert.StartsWith("agent[1].certificate, agent[2].certificate, server.certificate end on 2027-03-07", warning, StringComparison.Ordinal);
        Assert.Contains("--rotate-ca", warning, StringComparison.Ordinal);

        // and once the CA is inside its own window, the CA is renewed and every leaf with it
        var renewal = await lab.PlanAsync(Lab.Today.AddDays(91));
        Assert.Contains(renewal.Steps, s => s.Address == Addresses.Ca && s.Action == StepAction.Issue);
        Assert.Contains(renewal.Steps, s => s.Address == Addresses.AgentCertificate(1) && s.Action == StepAction.Issue);
        Assert.DoesNotContain(renewal.Warnings, w => w.Contains("with the CA that signed", StringComparison.Ordinal));
    }

    /// <summary>Sets the CA's validity and renew_before in the lab's inventory.</summary>
    private static void SetCa(Lab lab, string validity, string renewBefore)
    {
        var text = File.ReadAllText(lab.InventoryPath);
        const string ca = "  validity: 3650d\n  renew_before: 30d\n";
        Assert.Contains(ca, text, StringComparison.Ordinal);
        File.WriteAllText(lab.InventoryPath, text.Replace(ca, $"  validity: {validity}\n  renew_before: {renewBefore}\n", StringComparison.Ordinal));
    }

    private static DateTime NotAfter(string path)
    {
        var text = OpenSsl.Run("x509", "-in", path, "-noout", "-enddate").Output.Trim();
        return DateTime.ParseExact(text["notAfter=".Length..].Replace("  ", " ", StringComparison.Ordinal), "MMM d HH:mm:ss yyyy 'GMT'",
            System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
    }
}
