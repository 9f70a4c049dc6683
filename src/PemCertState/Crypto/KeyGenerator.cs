using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using PemCertState.Inventory;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace PemCertState.Crypto;

/// <summary>Generates private keys with the platform (OpenSSL-backed) generator and hands them to BouncyCastle.</summary>
/// <remarks>Safe to call from many threads: every call uses its own platform key object.</remarks>
public static class KeyGenerator
{
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
