using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using PemCertState.Crypto;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Crypto;

/// <summary>
/// The RSA keys pemstate makes come from its own prime search (FIPS 186-5 round counts on OpenSSL's arithmetic), so
/// their primes and key values are checked here by others: BouncyCastle's primality test, `openssl prime` and
/// `openssl rsa -check`.
/// </summary>
public sealed class RsaPrimesTests
{
    private static readonly BigInteger E = BigInteger.ValueOf(65537);

    [Theory]
    [InlineData(2048)]
    [InlineData(2056)]   // primes of 1028 bits: not whole bytes
    [InlineData(3072)]
    [InlineData(4096)]
    public void Generated_keys_pass_openssl_rsa_check_and_their_primes_are_prime_to_openssl(int bits)
    {
        var key = (RsaPrivateCrtKeyParameters)KeyGenerator.Generate(KeySpec.Rsa(bits)).Private;
        using var temp = new TempDirectory();
        var path = temp.Write("key.pem", PemCodec.EncodePrivateKey(key));

        Assert.Contains("RSA key ok", OpenSsl.Ok(temp.Path, "rsa", "-check", "-noout", "-in", path), StringComparison.Ordinal);
        foreach (var prime in new[] { key.P, key.Q })
        {
            Assert.Equal(bits / 2, prime.BitLength);
            Assert.Contains("is prime", OpenSsl.Ok(temp.Path, "prime", "-hex", prime.ToString(16)), StringComparison.Ordinal);
        }
        Assert.Equal(bits, key.Modulus.BitLength);
    }

    [Fact]
    public void Generated_keys_meet_FIPS_186_5_B_3_1()
    {
        for (var i = 0; i < 6; i++)
        {
            var key = (RsaPrivateCrtKeyParameters)KeyGenerator.Generate(KeySpec.Rsa(2048)).Private;
            var (p, q) = (key.P, key.Q);

            Assert.True(p.IsProbablePrime(100) && q.IsProbablePrime(100), "BouncyCastle finds a factor composite");
            Assert.Equal(p.Multiply(q), key.Modulus);
            Assert.Equal(E, key.PublicExponent);
            // both primes at least √2·2^1023: their two top bits are set
            Assert.True(p.TestBit(1023) && p.TestBit(1022) && q.TestBit(1023) && q.TestBit(1022));
            Assert.True(p.Subtract(q).Abs().BitLength > 1024 - 100, "|p - q| ≤ 2^924");
            Assert.True(key.Exponent.BitLength > 1024, "d ≤ 2^1024");
            var p1 = p.Subtract(BigInteger.One);
            var q1 = q.Subtract(BigInteger.One);
            var lcm = p1.Divide(p1.Gcd(q1)).Multiply(q1);
            Assert.Equal(BigInteger.One, E.Multiply(key.Exponent).Mod(lcm));
            Assert.Equal(key.Exponent.Mod(p1), key.DP);
            Assert.Equal(key.Exponent.Mod(q1), key.DQ);
            Assert.Equal(BigInteger.One, q.Multiply(key.QInv).Mod(p));
        }
    }

    [Theory]
    [InlineData("561")]                     // Carmichael numbers: every coprime base is a Fermat liar
    [InlineData("41041")]
    [InlineData("825265")]
    [InlineData("3215031751")]              // strong pseudoprime to bases 2, 3, 5 and 7
    [InlineData("341550071728321")]         // strong pseudoprime to every base up to 17
    [InlineData("3825123056546413051")]     // strong pseudoprime to every base up to 23
    public void Miller_Rabin_refuses_composites_that_fool_weaker_tests(string composite)
        => Assert.False(RsaPrimes.IsProbablePrime(Bytes(new BigInteger(composite)), rounds: 40));

    [Fact]
    public void Miller_Rabin_refuses_an_RSA_modulus_and_a_square_of_a_prime()
    {
        var random = new SecureRandom();
        var p = BigInteger.ProbablePrime(512, random);
        var q = BigInteger.ProbablePrime(512, random);

        Assert.False(RsaPrimes.IsProbablePrime(Bytes(p.Multiply(q)), rounds: 5));
        Assert.False(RsaPrimes.IsProbablePrime(Bytes(p.Multiply(p)), rounds: 5));
    }

    [Fact]
    public void Miller_Rabin_accepts_primes()
    {
        foreach (var exponent in new[] { 521, 607, 1279, 2203 })
            Assert.True(RsaPrimes.IsProbablePrime(Bytes(BigInteger.One.ShiftLeft(exponent).Subtract(BigInteger.One)), rounds: 5));
        Assert.True(RsaPrimes.IsProbablePrime(Bytes(BigInteger.ProbablePrime(1024, new SecureRandom())), rounds: 5));
        Assert.True(RsaPrimes.IsProbablePrime(Bytes(BigInteger.ValueOf(65537)), rounds: 5));
    }

    [Fact]
    public void On_this_machine_primes_come_from_libcrypto_not_the_fallback()
    {
        var prime = new byte[128];

        Assert.True(RsaPrimes.TryGenerate(1024, 65537, prime), "libcrypto.so.3 could not be used: keys fall back to OpenSSL's slower generator");

        var p = new BigInteger(1, prime);
        Assert.Equal(1024, p.BitLength);
        Assert.True(p.IsProbablePrime(100));
        Assert.NotEqual(BigInteger.One, p.Mod(E));
    }

    [Theory]
    [InlineData(null, false, false)]
    [InlineData("", false, false)]
    [InlineData("pemstate", false, false)]
    [InlineData("openssl", false, true)]
    [InlineData(" OpenSSL ", false, true)]
    [InlineData("fast", false, true)]      // unknown: the conservative generator
    [InlineData(null, true, true)]         // kernel in FIPS mode
    [InlineData("pemstate", true, true)]
    public void OpenSsl_generates_RSA_keys_in_FIPS_mode_or_when_asked(string? setting, bool fips, bool openssl)
        => Assert.Equal(openssl, KeyGenerator.ChoosesOpenSsl(setting, fips));

    [Theory]
    [InlineData(1024, 5)]
    [InlineData(1535, 5)]
    [InlineData(1536, 4)]
    [InlineData(2048, 4)]
    [InlineData(4096, 4)]
    public void Rounds_follow_FIPS_186_5_table_B_1(int primeBits, int rounds)
        => Assert.Equal(rounds, RsaPrimes.RoundsFor(primeBits));

    private static byte[] Bytes(BigInteger n) => n.ToByteArrayUnsigned();
}
