using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using PemCertState.Crypto;
using Xunit;

namespace PemCertState.Tests.Crypto;

/// <summary>
/// RsaModulus.Build turns off exactly BouncyCastle's costly proof that a modulus is composite, on the calling thread,
/// for the call: if BouncyCastle renamed its setting, the prime below would be refused inside Build too and this fails.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RsaModulusTests
{
    private static readonly BigInteger Prime = BigInteger.ProbablePrime(1024, new SecureRandom());
    private static readonly BigInteger Exponent = BigInteger.ValueOf(65537);

    [Fact]
    public void Outside_Build_BouncyCastle_still_refuses_a_prime_modulus()
    {
        var e = Assert.Throws<ArgumentException>(() => new RsaKeyParameters(false, Prime, Exponent));
        Assert.Contains("not composite", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inside_Build_the_composite_proof_is_skipped_and_the_cheap_checks_stay()
    {
        var key = RsaModulus.Build(() => new RsaKeyParameters(false, Prime, Exponent));
        Assert.Equal(Prime, key.Modulus);

        // an even modulus and one with a small factor are still refused
        Assert.Throws<ArgumentException>(() => RsaModulus.Build(() => new RsaKeyParameters(false, Prime.ShiftLeft(1), Exponent)));
        Assert.Throws<ArgumentException>(() => RsaModulus.Build(() => new RsaKeyParameters(false, Prime.Multiply(BigInteger.ValueOf(3)), Exponent)));
        // and the setting does not outlive the call
        Assert.Throws<ArgumentException>(() => new RsaKeyParameters(false, Prime, Exponent));
    }
}
