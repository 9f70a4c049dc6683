using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>Public halves of private keys, and the canonical SubjectPublicKeyInfo used to pair keys with certificates.</summary>
internal static class KeyPairs
{
    /// <summary>The public key of a private key; a public key is returned as is.</summary>
    /// <exception cref="NotSupportedException">An RSA private key without CRT parameters, or an unknown key type.</exception>
    public static AsymmetricKeyParameter PublicOf(AsymmetricKeyParameter key) => key switch
    {
        { IsPrivate: false } => key,
        RsaPrivateCrtKeyParameters rsa => RsaModulus.Build(() => new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent)),
        ECPrivateKeyParameters ec => new ECPublicKeyParameters(ec.AlgorithmName, PublicPointOf(ec), ec.Parameters),
        Ed25519PrivateKeyParameters ed => ed.GeneratePublicKey(),
        Ed448PrivateKeyParameters ed => ed.GeneratePublicKey(),
        _ => throw new NotSupportedException($"cannot derive the public key of a {key.GetType().Name}"),
    };

    /// <summary>Q = d x G: by the platform on the NIST curves (<see cref="PlatformKeys.PublicPointOf"/>), else by BouncyCastle.</summary>
    private static ECPoint PublicPointOf(ECPrivateKeyParameters ec)
        => PlatformKeys.PublicPointOf(ec) ?? new FixedPointCombMultiplier().Multiply(ec.Parameters.G, ec.D).Normalize();

    public static AsymmetricCipherKeyPair PairOf(AsymmetricKeyParameter privateKey) => new(PublicOf(privateKey), privateKey);

    /// <summary>DER SubjectPublicKeyInfo of a key (of the public half for a private key).</summary>
    public static byte[] SubjectPublicKeyInfo(AsymmetricKeyParameter key)
        => SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(PublicOf(key)).GetDerEncoded();

    /// <summary>The public key a DER SubjectPublicKeyInfo holds (what a host that keeps its keys reports); null when it is not one.</summary>
    public static AsymmetricKeyParameter? PublicKeyOf(byte[] subjectPublicKeyInfo)
    {
        try
        {
            return RsaModulus.Build(() => Org.BouncyCastle.Security.PublicKeyFactory.CreateKey(subjectPublicKeyInfo));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or IOException
                                       or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Asn1.Asn1Exception or InvalidCastException)
        {
            return null;
        }
    }
}
