using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Verification;
using Xunit;

namespace PemCertState.Tests.Verification;

/// <summary>
/// ChainCheck keeps signature verdicts per certificate object and issuer object, and the planner has them checked
/// on every core first: a kept verdict must never answer for another issuer, and a prefetch must give each
/// certificate the verdict a direct check gives.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ChainCheckTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void A_prefetch_gives_every_certificate_the_verdict_of_a_direct_check_and_an_impostor_CA_stays_refused()
    {
        // Given a CA and an impostor with the same name, and agents signed by one or the other
        var ca = NewCa();
        var impostor = NewCa();
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256).Public;
        var leaves = Enumerable.Range(0, ChainCheck.PrefetchThreshold + 6)
            .Select(i => (i % 10 == 3 ? impostor : ca).Issue($"/CN=agent{i}", key, LeafUsage.Client, Now, TimeSpan.FromDays(1)))
            .ToList();

        // When the verdicts against the real CA are prefetched on every core
        ChainCheck.Prefetch(leaves, ca.Certificate);

        // Then each kept verdict is what a fresh check says, and asking about the other issuer checks again
        for (var i = 0; i < leaves.Count; i++)
        {
            var signedByCa = i % 10 != 3;
            Assert.Equal(signedByCa, ChainCheck.Signs(ca.Certificate, leaves[i]));
            Assert.Equal(!signedByCa, ChainCheck.Signs(impostor.Certificate, leaves[i]));
            Assert.Equal(signedByCa, ChainCheck.Signs(ca.Certificate, leaves[i]));
        }
    }

    [Fact]
    public void A_verdict_is_for_the_issuer_object_it_was_checked_against_not_one_with_the_same_name()
    {
        var ca = NewCa();
        var impostor = NewCa();
        var leaf = impostor.Issue("/CN=agent1", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, Now, TimeSpan.FromDays(1));

        Assert.True(ChainCheck.Signs(impostor.Certificate, leaf));
        Assert.False(ChainCheck.Signs(ca.Certificate, leaf));
        Assert.Equal("unable to get local issuer certificate", ChainCheck.Problem(leaf, [ca.Certificate], Now));
        Assert.Null(ChainCheck.Problem(leaf, [impostor.Certificate], Now));
    }

    private static CertificateAuthority NewCa() =>
        CertificateAuthority.CreateSelfSigned("/C=IN/O=PEM/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), Now, TimeSpan.FromDays(30));
}
