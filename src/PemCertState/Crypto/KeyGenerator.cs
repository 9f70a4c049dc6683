using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using PemCertState.Inventory;

namespace PemCertState.Crypto;

/// <summary>
/// Generates private keys with the platform's generator (.NET's <see cref="RSA"/> and <see cref="ECDsa"/>: OpenSSL on
/// Linux, the validated module on a FIPS host) and hands them to BouncyCastle through <see cref="PlatformKeys"/>.
/// Nothing of pemstate's own searches primes or draws scalars: speed comes from generating many keys at once.
/// </summary>
/// <remarks>Safe to call from many threads: every call uses its own platform key object.</remarks>
internal static class KeyGenerator
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
        // The inventory refuses other sizes; below 2048 is not a key anyone should be handed today.
        if (bits is < 2048 or > 16384 || bits % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "RSA key size must be a multiple of 8 from 2048 to 16384");
        return PlatformKeys.GenerateRsa(bits);
    }

    private static AsymmetricCipherKeyPair GenerateEc(int size)
    {
        var curve = size switch
        {
            256 => ECCurve.NamedCurves.nistP256,
            384 => ECCurve.NamedCurves.nistP384,
            _ => throw new ArgumentOutOfRangeException(nameof(size), size, "ECDSA curve must be P-256 or P-384"),
        };
        return PlatformKeys.GenerateEc(curve, NamedCurves.ForSize(size));
    }
}
