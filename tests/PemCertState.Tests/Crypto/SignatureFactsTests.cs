using PemCertState.Crypto;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Crypto;

/// <summary>
/// Observation checks every certificate against the CA certificates of its issuer's name on every core, and planning reads
/// those facts (issue 19: no static verdict cache behind the planner). A fact must be what a direct check says, must never
/// answer for another issuer of the same name, and a question observation did not ask is checked, not guessed.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SignatureFactsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void Facts_checked_on_every_core_are_what_a_direct_check_says_and_an_impostor_CA_stays_refused()
    {
        // Given a CA and an impostor with the same name, and more agents than are checked one by one, signed by one or the other
        var ca = NewCa();
        var impostor = NewCa();
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256).Public;
        var leaves = Enumerable.Range(0, SignatureFacts.ParallelThreshold + 6)
            .Select(i => (i % 10 == 3 ? impostor : ca).Issue($"/CN=agent{i}", key, LeafUsage.Client, Now, TimeSpan.FromDays(1)))
            .ToList();

        // When every leaf is checked against both CAs, as observation does
        var facts = SignatureFacts.Check(leaves, [ca.Certificate, impostor.Certificate]);

        // Then every pair of the same name was checked, each fact is what a fresh check says, and the chain follows the facts
        Assert.Equal(leaves.Count * 2, facts.Count);
        for (var i = 0; i < leaves.Count; i++)
        {
            var signedByCa = i % 10 != 3;
            Assert.Equal(signedByCa, facts.Signs(ca.Certificate, leaves[i]));
            Assert.Equal(!signedByCa, facts.Signs(impostor.Certificate, leaves[i]));
            Assert.Equal(signedByCa, ChainCheck.Verify(ca.Certificate, leaves[i]));
            Assert.Equal(signedByCa ? null : "unable to get local issuer certificate", facts.ChainProblem(leaves[i], [ca.Certificate], Now));
        }
    }

    [Fact]
    public void A_question_observation_did_not_ask_is_checked_when_asked_not_answered_by_a_fact_about_another_issuer()
    {
        // Given facts about a leaf and the CA of its name that did not sign it, and none about the impostor that did
        var ca = NewCa();
        var impostor = NewCa();
        var leaf = impostor.Issue("/CN=agent1", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, Now, TimeSpan.FromDays(1));
        var facts = SignatureFacts.Check([leaf], [ca.Certificate]);

        // Then the fact refuses the real CA, the impostor is checked now and verifies, and no facts at all check everything
        Assert.Equal(1, facts.Count);
        Assert.False(facts.Signs(ca.Certificate, leaf));
        Assert.True(facts.Signs(impostor.Certificate, leaf));
        Assert.Equal("unable to get local issuer certificate", facts.ChainProblem(leaf, [ca.Certificate], Now));
        Assert.Null(facts.ChainProblem(leaf, [impostor.Certificate], Now));
        Assert.True(SignatureFacts.None.Signs(impostor.Certificate, leaf));
        Assert.False(SignatureFacts.None.Signs(ca.Certificate, leaf));
    }

    [Fact]
    public void A_self_signed_CA_is_checked_against_itself_and_a_CA_of_another_name_is_not_paired_with_it()
    {
        // Given a self-signed CA and a CA of another name
        var ca = NewCa();
        var other = CertificateAuthority.CreateSelfSigned("/C=IN/O=PEM/CN=other-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), Now, TimeSpan.FromDays(30));

        // When both are observed as certificates and as issuers
        var facts = SignatureFacts.Check([ca.Certificate, other.Certificate], [ca.Certificate, other.Certificate]);

        // Then each was checked against itself only, and signs itself
        Assert.Equal(2, facts.Count);
        Assert.True(facts.Signs(ca.Certificate, ca.Certificate));
        Assert.True(facts.Signs(other.Certificate, other.Certificate));
    }

    [Fact]
    public void One_CA_read_from_two_files_is_checked_once_and_its_facts_answer_for_either_copy()
    {
        // Given the CA as ca_certificate.crt and root.crt give it (two objects, one certificate), and a leaf it signed
        var ca = NewCa();
        var inCaFile = new Org.BouncyCastle.X509.X509Certificate(ca.Certificate.GetEncoded());
        var inRoot = new Org.BouncyCastle.X509.X509Certificate(ca.Certificate.GetEncoded());
        var leaf = ca.Issue("/CN=agent1", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, Now, TimeSpan.FromDays(1));

        // When both copies are observed as issuers
        var facts = SignatureFacts.Check([leaf, inCaFile, inRoot], [inCaFile, inRoot]);

        // Then the leaf was checked once and the CA against itself once, and each copy finds the fact
        Assert.Equal(3, facts.Count);
        Assert.True(facts.Signs(inCaFile, leaf));
        Assert.True(facts.Signs(inRoot, leaf));
        Assert.True(facts.Signs(inRoot, inCaFile));
    }

    private static CertificateAuthority NewCa() =>
        CertificateAuthority.CreateSelfSigned("/C=IN/O=PEM/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), Now, TimeSpan.FromDays(30));
}
