using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Utilities;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace PemCertState.Crypto;

/// <summary>
/// The one place where private key material crosses between the platform (.NET's RSA/ECDsa, OpenSSL on Linux) and
/// BouncyCastle, the X.509 toolkit. Keys are born in the platform's generator; BouncyCastle only holds them to encode
/// and to build certificates, and hands them back here when the platform must sign with them.
/// </summary>
/// <remarks>
/// Every byte array that held private parameters on the way through is zeroed before the method returns. BouncyCastle's
/// own BigIntegers are immutable and cannot be cleared: they live as long as the key object that holds them.
/// </remarks>
internal static class PlatformKeys
{
    /// <summary>A new RSA key from the platform's generator (OpenSSL's RSA keygen on Linux), as a BouncyCastle pair.</summary>
    public static AsymmetricCipherKeyPair GenerateRsa(int bits)
    {
        using var rsa = RSA.Create(bits);
        return ToBouncyCastle(rsa);
    }

    /// <summary>A new ECDSA key on <paramref name="curve"/> from the platform's generator, as a BouncyCastle pair.</summary>
    public static AsymmetricCipherKeyPair GenerateEc(ECCurve curve, ECDomainParameters domain)
    {
        using var ecdsa = ECDsa.Create(curve);
        var p = ecdsa.ExportParameters(includePrivateParameters: true);
        try
        {
            var q = domain.Curve.ValidatePoint(Unsigned(p.Q.X!), Unsigned(p.Q.Y!));
            return new AsymmetricCipherKeyPair(
                new ECPublicKeyParameters("EC", q, domain),
                new ECPrivateKeyParameters("EC", Unsigned(p.D!), domain));
        }
        finally
        {
            Clear(p.D);
        }
    }

    /// <summary>A platform RSA key with BouncyCastle's CRT values, to sign with.</summary>
    public static RSA ToPlatform(RsaPrivateCrtKeyParameters key)
    {
        var modulusLength = (key.Modulus.BitLength + 7) / 8;
        var half = (modulusLength + 1) / 2;
        var p = new RSAParameters
        {
            Modulus = BigIntegers.AsUnsignedByteArray(modulusLength, key.Modulus),
            Exponent = BigIntegers.AsUnsignedByteArray(key.PublicExponent),
            D = BigIntegers.AsUnsignedByteArray(modulusLength, key.Exponent),
            P = BigIntegers.AsUnsignedByteArray(half, key.P),
            Q = BigIntegers.AsUnsignedByteArray(half, key.Q),
            DP = BigIntegers.AsUnsignedByteArray(half, key.DP),
            DQ = BigIntegers.AsUnsignedByteArray(half, key.DQ),
            InverseQ = BigIntegers.AsUnsignedByteArray(half, key.QInv),
        };
        try
        {
            var rsa = RSA.Create();
            rsa.ImportParameters(p);
            return rsa;
        }
        finally
        {
            Clear(p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ);
        }
    }

    /// <summary>A platform ECDSA key with BouncyCastle's d and Q on a named curve the platform knows, to sign with.</summary>
    public static ECDsa ToPlatform(ECPrivateKeyParameters key, ECPublicKeyParameters publicKey, ECCurve curve)
    {
        var orderLength = (key.Parameters.N.BitLength + 7) / 8;
        var fieldLength = (key.Parameters.Curve.FieldSize + 7) / 8;
        var q = publicKey.Q.Normalize();
        var p = new ECParameters
        {
            Curve = curve,
            D = BigIntegers.AsUnsignedByteArray(orderLength, key.D),
            Q = new System.Security.Cryptography.ECPoint
            {
                X = BigIntegers.AsUnsignedByteArray(fieldLength, q.AffineXCoord.ToBigInteger()),
                Y = BigIntegers.AsUnsignedByteArray(fieldLength, q.AffineYCoord.ToBigInteger()),
            },
        };
        try
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportParameters(p);
            return ecdsa;
        }
        finally
        {
            Clear(p.D);
        }
    }

    /// <summary>
    /// Q = d x G on P-256/P-384/P-521, computed by the platform (it derives Q when only d is imported): many times faster
    /// than BouncyCastle's managed multiplier, which was most of the cost of reading an agent key. Null on another curve
    /// or for a d the platform refuses; the caller then lets BouncyCastle decide. The point is checked to lie on the curve.
    /// </summary>
    public static ECPoint? PublicPointOf(ECPrivateKeyParameters ec)
    {
        var curve = PlatformCurve(ec.Parameters);
        if (curve is not { } named || ec.D.SignValue <= 0 || ec.D.CompareTo(ec.Parameters.N) >= 0)
            return null;
        var d = BigIntegers.AsUnsignedByteArray((ec.Parameters.N.BitLength + 7) / 8, ec.D);
        try
        {
            using var platform = ECDsa.Create();
            platform.ImportParameters(new ECParameters { Curve = named, D = d });
            var q = platform.ExportParameters(includePrivateParameters: false).Q;
            return ec.Parameters.Curve.ValidatePoint(Unsigned(q.X!), Unsigned(q.Y!)).Normalize();
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }

    /// <summary>The platform's name for a NIST curve BouncyCastle holds; null for any other curve.</summary>
    public static ECCurve? PlatformCurve(ECDomainParameters domain)
    {
        var oid = NamedCurves.OidOf(domain);
        if (oid is null) return null;
        if (oid.Equals(SecObjectIdentifiers.SecP256r1)) return ECCurve.NamedCurves.nistP256;
        if (oid.Equals(SecObjectIdentifiers.SecP384r1)) return ECCurve.NamedCurves.nistP384;
        if (oid.Equals(SecObjectIdentifiers.SecP521r1)) return ECCurve.NamedCurves.nistP521;
        return null;
    }

    private static AsymmetricCipherKeyPair ToBouncyCastle(RSA rsa)
    {
        var p = rsa.ExportParameters(includePrivateParameters: true);
        try
        {
            // OpenSSL has just made this modulus from two primes: BouncyCastle need not prove it composite again.
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

    private static BigInteger Unsigned(byte[] bigEndian) => new(1, bigEndian);

    private static void Clear(params byte[]?[] secrets)
    {
        foreach (var secret in secrets)
            if (secret is not null)
                CryptographicOperations.ZeroMemory(secret);
    }
}
