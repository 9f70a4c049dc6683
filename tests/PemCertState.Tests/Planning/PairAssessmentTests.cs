using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 19: one pair and chain assessment for the plan, verify and the trusted preflight. Each caller words its findings
/// differently; the facts (which file is missing or unreadable, whether the key is the certificate's, the chain, the CRL)
/// are decided here once, so the three can never disagree about the same files.
/// </summary>
[Trait("Category", "Unit")]
public sealed class PairAssessmentTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_key_and_the_certificate_issued_for_it_are_a_complete_pair_that_chains_to_its_CA()
    {
        // Given a CA and a leaf it issued for a key
        var ca = NewCa();
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var leaf = ca.Issue("/CN=agent1", key.Public, LeafUsage.Client, Now, TimeSpan.FromDays(30));

        // When the pair is assessed
        var pair = new PairAssessment(Key(key), Certificate(leaf));

        // Then both files are present, the key is the certificate's, the chain holds and nothing revokes it
        Assert.Equal(PairFile.Present, pair.KeyFile);
        Assert.Equal(PairFile.Present, pair.CertificateFile);
        Assert.True(pair.Complete);
        Assert.False(pair.Mismatched);
        Assert.Null(pair.ChainProblem([ca.Certificate], Now, SignatureFacts.None));
        Assert.Null(pair.RevokedOn([ca.CreateCrl(Now, TimeSpan.FromDays(7))], [ca.Certificate]));
    }

    [Fact]
    public void A_certificate_for_another_key_is_a_mismatch_and_one_from_another_CA_does_not_chain()
    {
        // Given a leaf from an impostor CA with the same name, issued for another key than the one beside it
        var ca = NewCa();
        var impostor = NewCa();
        var leaf = impostor.Issue("/CN=agent1", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, Now, TimeSpan.FromDays(30));

        // When the pair is assessed against the real CA
        var pair = new PairAssessment(Key(KeyGenerator.Generate(KeySpec.EcdsaP256)), Certificate(leaf));

        // Then the key is not the certificate's and the chain fails; with no anchor there is nothing to judge
        Assert.True(pair.Complete);
        Assert.True(pair.Mismatched);
        Assert.Equal("unable to get local issuer certificate", pair.ChainProblem([ca.Certificate], Now, SignatureFacts.None));
        Assert.Null(pair.ChainProblem([], Now, SignatureFacts.None));
    }

    [Fact]
    public void A_missing_key_and_an_unreadable_certificate_are_told_apart_and_never_called_a_mismatch()
    {
        // Given no key file, and a certificate file that holds no certificate
        var key = new ObservedKey(File("agent1.key", exists: false), null, null);
        var certificate = new ObservedCertificate(File("agent1.crt", exists: true), null, null);

        // When the pair is assessed
        var pair = new PairAssessment(key, certificate);

        // Then each file says what is wrong with it, and nothing is judged about a pair that is not there
        Assert.Equal(PairFile.Missing, pair.KeyFile);
        Assert.Equal(PairFile.Unreadable, pair.CertificateFile);
        Assert.False(pair.Complete);
        Assert.False(pair.Mismatched);
        Assert.Null(pair.ChainProblem([NewCa().Certificate], Now, SignatureFacts.None));
    }

    [Fact]
    public void A_certificate_on_its_CAs_CRL_is_revoked_on_that_day_and_a_CRL_from_another_CA_is_not_trusted()
    {
        // Given a leaf its CA revoked, and an impostor CA with the same name
        var ca = NewCa();
        var impostor = NewCa();
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var leaf = ca.Issue("/CN=agent1", key.Public, LeafUsage.Client, Now, TimeSpan.FromDays(30));
        var crl = ca.CreateCrl(Now, TimeSpan.FromDays(7), [new RevokedEntry(leaf.SerialNumber, Now)]);

        // When the pair is assessed against that CRL
        var pair = new PairAssessment(Key(key), Certificate(leaf));

        // Then it is revoked on that day, and only the CA that signed the CRL is its issuer
        Assert.Equal(Now.UtcDateTime.Date, pair.RevokedOn([crl], [ca.Certificate])?.UtcDateTime.Date);
        Assert.True(TrustAnchors.IssuedCrl([ca.Certificate], crl));
        Assert.False(TrustAnchors.IssuedCrl([impostor.Certificate], crl));
    }

    private static CertificateAuthority NewCa() =>
        CertificateAuthority.CreateSelfSigned("/C=IN/O=PEM/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), Now.AddDays(-1), TimeSpan.FromDays(365));

    private static ObservedKey Key(AsymmetricCipherKeyPair pair) =>
        new(File("agent1.key", exists: true), Fingerprints.PublicKey(pair.Public), KeySpec.EcdsaP256) { Public = pair.Public };

    private static ObservedCertificate Certificate(X509Certificate certificate) =>
        new(File("agent1.crt", exists: true), certificate, CertificateSummary.From(certificate));

    private static FileFacts File(string name, bool exists) =>
        new("agent-host", $"/root/.pem/{name}", exists, UnixFileMode.UserRead | UnixFileMode.UserWrite, "root", "");
}
