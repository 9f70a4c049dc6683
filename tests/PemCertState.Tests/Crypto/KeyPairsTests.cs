using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Security;
using PemCertState.Crypto;
using Xunit;

namespace PemCertState.Tests.Crypto;

[Trait("Category", "Unit")]
public sealed class KeyPairsTests
{
    public static TheoryData<string> Curves => new() { "secp256r1", "secp384r1", "secp521r1", "secp256k1" };

    /// <summary>
    /// The public half of an EC key comes from the platform (.NET's ECDsa) on the NIST curves and from
    /// BouncyCastle elsewhere; whichever path runs, Q must be BouncyCastle's own d x G, for small, large
    /// and random d (the edges are where a padding or sign slip would show).
    /// </summary>
    [Theory]
    [MemberData(nameof(Curves))]
    public void The_public_point_is_d_times_G(string curveName)
    {
        var oid = SecNamedCurves.GetOid(curveName);
        var x9 = CustomNamedCurves.GetByOid(oid) ?? SecNamedCurves.GetByOid(oid);
        var domain = new ECNamedDomainParameters(oid, x9);
        var random = new SecureRandom();
        var scalars = new List<BigInteger> { BigInteger.One, BigInteger.Two, domain.N.Subtract(BigInteger.One), BigInteger.One.ShiftLeft(8) };
        for (var i = 0; i < 20; i++)
            scalars.Add(new BigInteger(domain.N.BitLength - (i % 9), random).Mod(domain.N.Subtract(BigInteger.One)).Add(BigInteger.One));

        foreach (var d in scalars)
        {
            var derived = (ECPublicKeyParameters)KeyPairs.PublicOf(new ECPrivateKeyParameters("EC", d, domain));

            var expected = new FixedPointCombMultiplier().Multiply(domain.G, d).Normalize();
            Assert.True(expected.Equals(derived.Q), $"{curveName}: d = {d.ToString(16)}");
        }
    }

    /// <summary>The platform path is really taken on the NIST curves, not only BouncyCastle's fallback.</summary>
    [Fact]
    public void The_platform_multiplies_on_P256()
    {
        var domain = NamedCurves.ForSize(256);

        var point = PlatformKeys.PublicPointOf(new ECPrivateKeyParameters("EC", BigInteger.One, domain));

        Assert.NotNull(point);
        Assert.Equal(domain.G.Normalize().GetEncoded(false), point.GetEncoded(false));
    }

    /// <summary>Keys are written with the point from the platform; the bytes must be exactly what BouncyCastle's factory writes.</summary>
    [Theory]
    [InlineData(256)]
    [InlineData(384)]
    public void A_written_EC_key_is_byte_for_byte_what_BouncyCastle_writes(int size)
    {
        for (var i = 0; i < 10; i++)
        {
            var key = KeyGenerator.Generate(new PemCertState.Inventory.KeySpec(PemCertState.Inventory.KeyAlgorithm.Ecdsa, size)).Private;

            var ours = PemCodec.PrivateKeyInfo(key).GetDerEncoded();

            Assert.Equal(Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded(), ours);
            Assert.Equal(Fingerprints.PublicKey(key), Fingerprints.PublicKey(PemCodec.DecodePrivateKey(System.Text.Encoding.ASCII.GetBytes(PemCodec.EncodePrivateKey(key)))!.Private));
        }
    }

    [Fact]
    public void Parallel_derivations_agree_with_one_thread()
    {
        var keys = Enumerable.Range(0, 64).Select(_ => (ECPrivateKeyParameters)KeyGenerator.Generate(PemCertState.Inventory.KeySpec.EcdsaP256).Private).ToList();
        var once = keys.Select(k => Fingerprints.PublicKey(KeyPairs.PublicOf(k))).ToList();

        var parallel = new string[keys.Count];
        Parallel.For(0, keys.Count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = Fingerprints.PublicKey(KeyPairs.PublicOf(keys[i])));

        Assert.Equal(once, parallel);
    }
}
