using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using PemCertState.Inventory;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace PemCertState.Crypto;

/// <summary>
/// Generates private keys and hands them to BouncyCastle: RSA from primes searched on OpenSSL's arithmetic
/// (<see cref="RsaPrimes"/>), EC with the platform (OpenSSL-backed) generator.
/// </summary>
/// <remarks>Safe to call from many threads: every call uses its own OpenSSL objects.</remarks>
public static class KeyGenerator
{
    private const int PublicExponent = 65537;

    public static AsymmetricCipherKeyPair Generate(KeySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Algorithm switch
        {
            KeyAlgorithm.Rsa => GenerateRsa(spec.Size),
            KeyAlgorithm.Ecdsa => GenerateEc(spec.Size),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Algorithm, "unknown key algorithm"),
        };
    }

    /// <summary>What kind of key this is, in inventory terms (RSA bits or ECDSA curve size).</summary>
    /// <exception cref="NotSupportedException">Neither RSA nor EC (e.g. Ed25519 in a trusted CA's chain).</exception>
    public static KeySpec Describe(AsymmetricKeyParameter publicOrPrivateKey)
    {
        ArgumentNullException.ThrowIfNull(publicOrPrivateKey);
        return publicOrPrivateKey switch
        {
            RsaKeyParameters rsa => KeySpec.Rsa(rsa.Modulus.BitLength),
            ECKeyParameters ec => new KeySpec(KeyAlgorithm.Ecdsa, ec.Parameters.Curve.FieldSize),
            _ => throw new NotSupportedException($"unsupported key type {publicOrPrivateKey.GetType().Name}"),
        };
    }

    private static AsymmetricCipherKeyPair GenerateRsa(int bits)
    {
        // OpenSSL accepts 512..16384; below 2048 is not a key anyone should be handed today.
        if (bits is < 2048 or > 16384 || bits % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "RSA key size must be a multiple of 8 from 2048 to 16384");

        return (UseOpenSslGenerator ? null : FromPrimes(bits)) ?? FromPlatform(bits);
    }

    private static bool? _useOpenSslGenerator;

    /// <summary>Which generator makes (and so far has made) RSA keys in this process, for the log: "openssl" or "pemstate".</summary>
    public static string RsaGenerator => UseOpenSslGenerator || RsaPrimes.Unavailable ? "openssl" : "pemstate";

    /// <summary>
    /// True when RSA keys must come from OpenSSL's own generator: the kernel runs in FIPS mode (there keys come from
    /// the validated module, whatever it costs) or PEMSTATE_RSA_KEYGEN says so.
    /// </summary>
    internal static bool UseOpenSslGenerator => _useOpenSslGenerator ??=
        ChoosesOpenSsl(Environment.GetEnvironmentVariable("PEMSTATE_RSA_KEYGEN"), KernelFipsMode());

    /// <summary>
    /// PEMSTATE_RSA_KEYGEN: unset, empty or "pemstate" for pemstate's prime search, "openssl" for OpenSSL's
    /// generator; a value it does not know also picks OpenSSL's, the generator nobody has to argue for.
    /// </summary>
    internal static bool ChoosesOpenSsl(string? setting, bool fipsMode) =>
        fipsMode || setting?.Trim().ToLowerInvariant() is not (null or "" or "pemstate");

    private static bool KernelFipsMode()
    {
        try
        {
            return File.ReadAllText("/proc/sys/crypto/fips_enabled").Trim() == "1";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Two primes from <see cref="RsaPrimes"/> (FIPS 186-5 round counts on OpenSSL's arithmetic) made into a key with
    /// FIPS 186-5 B.3.1's checks; null when libcrypto cannot be used. The key is then handed to OpenSSL once to
    /// sign and verify: a pairwise test by the library that will use it.
    /// </summary>
    private static AsymmetricCipherKeyPair? FromPrimes(int bits)
    {
        var e = BigInteger.ValueOf(PublicExponent);
        var half = bits / 2;
        var bytes = new byte[(half + 7) / 8]; // 2056 bits: two primes of 1028
        try
        {
            if (!RsaPrimes.TryGenerate(half, PublicExponent, bytes)) return null;
            var p = Unsigned(bytes);
            while (true)
            {
                if (!RsaPrimes.TryGenerate(half, PublicExponent, bytes)) return null;
                var q = Unsigned(bytes);
                // |p - q| > 2^(nlen/2 - 100): else the modulus falls to Fermat's method.
                if (p.Subtract(q).Abs().BitLength <= half - 100) continue;
                if (p.CompareTo(q) < 0) (p, q) = (q, p);

                var p1 = p.Subtract(BigInteger.One);
                var q1 = q.Subtract(BigInteger.One);
                var lcm = p1.Divide(p1.Gcd(q1)).Multiply(q1);
                var d = e.ModInverse(lcm);
                // d > 2^(nlen/2), as FIPS 186-5 asks; otherwise draw q again.
                if (d.BitLength <= half) continue;

                var key = RsaModulus.Build(() =>
                {
                    var privateKey = new RsaPrivateCrtKeyParameters(
                        p.Multiply(q), e, d, p, q, d.Remainder(p1), d.Remainder(q1), q.ModInverse(p));
                    var publicKey = new RsaKeyParameters(false, privateKey.Modulus, privateKey.PublicExponent);
                    return new AsymmetricCipherKeyPair(publicKey, privateKey);
                });
                if (key.Public is not RsaKeyParameters { Modulus.BitLength: var size } || size != bits)
                    throw new CryptographicException($"generated an RSA modulus of the wrong size (wanted {bits} bits)");
                PairwiseTest((RsaPrivateCrtKeyParameters)key.Private);
                return key;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>OpenSSL signs with the new key (its CRT values) and verifies with the public half.</summary>
    private static void PairwiseTest(RsaPrivateCrtKeyParameters key)
    {
        using var rsa = PlatformSignatureFactory.ImportRsa(key);
        var digest = SHA256.HashData("pemstate pairwise test"u8);
        var signature = rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var verifier = RSA.Create();
        verifier.ImportParameters(rsa.ExportParameters(includePrivateParameters: false));
        if (!verifier.VerifyHash(digest, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            throw new CryptographicException("a freshly generated RSA key failed its pairwise sign/verify test");
    }

    /// <summary>The platform's generator (OpenSSL's RSA keygen behind .NET), where libcrypto.so.3 cannot be loaded directly.</summary>
    private static AsymmetricCipherKeyPair FromPlatform(int bits)
    {
        using var rsa = RSA.Create(bits);
        var p = rsa.ExportParameters(includePrivateParameters: true);
        try
        {
            // OpenSSL has just made this modulus from two primes: no need for BouncyCastle to prove it composite.
            return RsaModulus.Build(() =>
            {
                var privateKey = new RsaPrivateCrtKeyParameters(
                    Unsigned(p.Modulus!), Unsigned(p.Exponent!), Unsigned(p.D!),
                    Unsigned(p.P!), Unsigned(p.Q!), Unsigned(p.DP!), Unsigned(p.DQ!), Unsigned(p.InverseQ!));
                var publicKey = new RsaKeyParameters(false, privateKey.Modulus, privateKey.PublicExponent);
                return new AsymmetricCipherKeyPair(publicKey, privateKey);
            });
        }
        finally
        {
            Clear(p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ);
        }
    }

    private static AsymmetricCipherKeyPair GenerateEc(int size)
    {
        var curve = size switch
        {
            256 => ECCurve.NamedCurves.nistP256,
            384 => ECCurve.NamedCurves.nistP384,
            _ => throw new ArgumentOutOfRangeException(nameof(size), size, "ECDSA curve must be P-256 or P-384"),
        };
        var domain = NamedCurves.ForSize(size);

        using var ecdsa = ECDsa.Create(curve);
        var p = ecdsa.ExportParameters(includePrivateParameters: true);
        try
        {
            var q = domain.Curve.CreatePoint(Unsigned(p.Q.X!), Unsigned(p.Q.Y!));
            var publicKey = new ECPublicKeyParameters("EC", q, domain);
            var privateKey = new ECPrivateKeyParameters("EC", Unsigned(p.D!), domain);
            return new AsymmetricCipherKeyPair(publicKey, privateKey);
        }
        finally
        {
            Clear(p.D);
        }
    }

    private static BigInteger Unsigned(byte[] bigEndian) => new(1, bigEndian);

    private static void Clear(params byte[]?[] secrets)
    {
        foreach (var secret in secrets)
            if (secret is not null)
                CryptographicOperations.ZeroMemory(secret);
    }
}
