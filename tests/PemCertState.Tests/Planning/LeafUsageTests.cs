using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using PemCertState.Verification;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// A leaf must be able to do its job whichever CA signed it (issue 19: the issuers share every resource rule): the self-signed
/// path judged a certificate by pair, subject, window, issuer, signature and CRL, but not by its usage, which only the trusted
/// path checked, so a client-only certificate in the server's place (or a server-only one in an agent's) stood as healthy.
/// </summary>
public sealed class LeafUsageTests
{
    [Theory]
    [InlineData("agent", "extended key usage lacks clientAuth", "TLS Web Client Authentication")]
    [InlineData("server", "extended key usage lacks serverAuth", "TLS Web Server Authentication")]
    public async Task A_leaf_from_the_managed_CA_for_the_wrong_purpose_is_issued_again_for_the_right_one(string which, string problem, string purpose)
    {
        // Given a converged lab, where the CA re-signed a leaf's own key for the other purpose
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        (ResourceAddress Address, string Folder, string Name, string Subject, LeafUsage Wrong) leaf = which == "agent"
            ? (Addresses.AgentCertificate(1), lab.CertDir(1), "agent1", "/C=IN/ST=MH/L=Pune/O=PEM/CN=agent1", LeafUsage.Server)
            : (Addresses.ServerCertificate, lab.DataDir, "server", CertificateSummary.From(Read(Path.Combine(lab.DataDir, "server.crt"))).Subject, LeafUsage.Client);
        var (address, folder, name, subject, wrong) = leaf;
        var key = PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(folder, $"{name}.key")))!;
        var ca = new CertificateAuthority(Read(Path.Combine(lab.DataDir, "ca_certificate.crt")),
            PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(lab.DataDir, "ca_key.key")))!.Private);
        File.WriteAllText(Path.Combine(folder, $"{name}.crt"), PemCodec.EncodeCertificate(ca.Issue(subject, key.Public, wrong, Lab.Today, TimeSpan.FromDays(300))));

        // When it is planned
        var plan = await lab.PlanAsync();

        // Then that leaf is issued again, and says why, and verify (the same rule) finds it
        var issue = Assert.Single(plan.Steps, s => s.Address == address && s.Action == StepAction.Issue);
        Assert.Contains(problem, issue.Reason, StringComparison.Ordinal);
        Assert.Contains(OfflineVerifier.Verify(lab.Desired, await lab.ObserveAsync(), Lab.Today),
            f => f.Address == address.ToString() && f.Message.StartsWith($"cannot do its job: {problem}", StringComparison.Ordinal));

        // and once applied, openssl reads the purpose it needs, and nothing is left to do
        await lab.ApplyAsync();
        Assert.Contains(purpose, OpenSsl.Run("x509", "-in", Path.Combine(folder, $"{name}.crt"), "-noout", "-ext", "extendedKeyUsage").Output, StringComparison.Ordinal);
        Assert.True((await lab.PlanAsync()).IsEmpty);
        Assert.DoesNotContain(OfflineVerifier.Verify(lab.Desired, await lab.ObserveAsync(), Lab.Today), f => f.Address == address.ToString());
    }

    private static Org.BouncyCastle.X509.X509Certificate Read(string path) => PemCodec.DecodeCertificates(File.ReadAllBytes(path))[0];
}
