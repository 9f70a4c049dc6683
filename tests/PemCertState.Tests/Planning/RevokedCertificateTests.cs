using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using PemCertState.Verification;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 20, item 1: a managed certificate that root.crl revokes is drift. The server refuses it ("certificate revoked"),
/// so plan issues it again, verify reports it and status shows it revoked.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RevokedCertificateTests
{
    [Fact]
    public async Task A_revoked_agent_certificate_is_issued_again_reported_by_verify_and_shown_revoked()
    {
        // Given a converged lab whose CA then revoked agent 2 (a new root.crl, signed by the CA, listing its serial)
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        var agent2 = PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.CertDir(2), "agent2.crt")))[0];
        Revoke(lab, agent2.SerialNumber);
        var oldSerial = agent2.SerialNumber;

        // When it is planned, verified and shown
        var plan = await lab.PlanAsync();
        var observed = await lab.ObserveAsync();
        var findings = OfflineVerifier.Verify(lab.Desired, observed, Lab.Today);
        var status = StatusReport.Create(lab.Desired, observed, Lab.Today);

        // Then agent 2 (and only agent 2) gets a new certificate, and its restart; the server keeps its files
        Assert.Contains(plan.Steps, s => s.Address == Addresses.AgentCertificate(2) && s.Action == StepAction.Issue
            && s.Reason.Contains("the CA revoked it on", StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s.Address == Addresses.AgentRestart(2));
        Assert.DoesNotContain(plan.Steps, s => s.Address == Addresses.AgentCertificate(1));
        Assert.Contains(findings, f => f.Address == Addresses.AgentCertificate(2).ToString() && f.Message.Contains("revoked on", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Address == Addresses.AgentCertificate(1).ToString());
        // (the new root.crl reached the server's folder without a restart: the server owes one to load it)
        Assert.Contains(plan.Steps, s => s.Address == Addresses.ServerRestart);
        Assert.Equal("revoked", status.Single(r => r.Address == Addresses.AgentCertificate(2)).State);
        Assert.Equal("ok", status.Single(r => r.Address == Addresses.AgentCertificate(1)).State);

        // and after apply, agent 2 holds a new certificate that nothing revokes, and the plan is empty
        await lab.ApplyAsync();
        var renewed = PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.CertDir(2), "agent2.crt")))[0];
        Assert.NotEqual(oldSerial, renewed.SerialNumber);
        Assert.Empty((await lab.PlanAsync()).Steps);
        Assert.Empty(OfflineVerifier.Verify(lab.Desired, await lab.ObserveAsync(), Lab.Today));
    }

    [Fact]
    public async Task A_CRL_that_root_crt_cannot_vouch_for_revokes_nothing()
    {
        // Given a converged lab whose root.crl was replaced by one from another CA of the same name listing agent 2
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        var agent2 = PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.CertDir(2), "agent2.crt")))[0];
        var impostor = CertificateAuthority.CreateSelfSigned("/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca",
            KeyGenerator.Generate(PemCertState.Inventory.KeySpec.Rsa(2048)), Lab.Today.AddDays(-1), TimeSpan.FromDays(30));
        File.WriteAllText(Path.Combine(lab.DataDir, "root.crl"),
            PemCodec.EncodeCrl(impostor.CreateCrl(Lab.Today, TimeSpan.FromDays(30), [new RevokedEntry(agent2.SerialNumber, Lab.Today)])));

        // When it is planned
        var plan = await lab.PlanAsync();

        // Then agent 2's certificate is not judged revoked (the CRL itself is rewritten: the CA did not sign it)
        Assert.DoesNotContain(plan.Steps, s => s.Address == Addresses.AgentCertificate(2));
        Assert.Contains(plan.Steps, s => s.Address == Addresses.RootCrl);
    }

    /// <summary>A new root.crl signed with the lab CA's key, listing <paramref name="serial"/>.</summary>
    internal static void Revoke(Lab lab, Org.BouncyCastle.Math.BigInteger serial)
    {
        var caCertificate = PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.DataDir, "ca_certificate.crt")))[0];
        var caKey = PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(lab.DataDir, "ca_key.key")))!;
        var crl = new CertificateAuthority(caCertificate, caKey.Private).CreateCrl(Lab.Today, TimeSpan.FromDays(30), [new RevokedEntry(serial, Lab.Today.AddHours(-1))]);
        File.WriteAllText(Path.Combine(lab.DataDir, "root.crl"), PemCodec.EncodeCrl(crl));
    }
}
