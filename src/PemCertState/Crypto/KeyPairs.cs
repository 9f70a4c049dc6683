using System.Security.Cryptography;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
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

    /// <summary>
    /// Q = d x G. On P-256/P-384/P-521 OpenSSL does the multiplication: libcrypto directly (<see cref="LibCrypto"/>),
    /// else through .NET's ECDsa, which derives Q when only d is imported. Both are many times faster than
    /// BouncyCastle's managed FixedPointCombMultiplier, which was 78% of decoding an agent key; other curves,
    /// and any d OpenSSL refuses, stay on BouncyCastle. Every point is checked to lie on the curve.
    /// </summary>
    private static ECPoint PublicPointOf(ECPrivateKeyParameters ec)
    {
        var (curve, nid) = NamedCurves.OidOf(ec.Parameters) switch
        {
            { } oid when oid.Equals(SecObjectIdentifiers.SecP256r1) => (ECCurve.NamedCurves.nistP256, LibCrypto.NidP256),
            { } oid when oid.Equals(SecObjectIdentifiers.SecP384r1) => (ECCurve.NamedCurves.nistP384, LibCrypto.NidP384),
            { } oid when oid.Equals(SecObjectIdentifiers.SecP521r1) => (ECCurve.NamedCurves.nistP521, LibCrypto.NidP521),
            _ => ((System.Security.Cryptography.ECCurve?)null, 0),
        };
        if (curve is { } named && ec.D.SignValue > 0 && ec.D.CompareTo(ec.Parameters.N) < 0)
        {
            var size = (ec.Parameters.N.BitLength + 7) / 8;
            var d = ec.D.ToByteArrayUnsigned();
            var padded = new byte[size];
            d.CopyTo(padded, size - d.Length);
            try
            {
                Span<byte> point = stackalloc byte[1 + 2 * size];
                if (LibCrypto.TryMultiplyGenerator(nid, padded, point))
                    return ec.Parameters.Curve.DecodePoint(point.ToArray()).Normalize();

                using var platform = ECDsa.Create();
                platform.ImportParameters(new ECParameters { Curve = named, D = padded });
                var q = platform.ExportParameters(includePrivateParameters: false).Q;
                return ec.Parameters.Curve.ValidatePoint(new BigInteger(1, q.X), new BigInteger(1, q.Y)).Normalize();
            }
            catch (CryptographicException)
            {
                // The platform would not take this d: BouncyCastle decides below.
            }
            finally
            {
                CryptographicOperations.ZeroMemory(padded);
                CryptographicOperations.ZeroMemory(d);
            }
        }
        return new FixedPointCombMultiplier().Multiply(ec.Parameters.G, ec.D).Normalize();
    }

    public static AsymmetricCipherKeyPair PairOf(AsymmetricKeyParameter privateKey) => new(PublicOf(privateKey), privateKey);

    /// <summary>DER SubjectPublicKeyInfo of a key (of the public half for a private key).</summary>
    public static byte[] SubjectPublicKeyInfo(AsymmetricKeyParameter key)
        => SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(PublicOf(key)).GetDerEncoded();
}
