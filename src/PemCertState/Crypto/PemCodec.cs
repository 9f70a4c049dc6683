using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>PEM text in and out. Decoders return null (or empty) on input they cannot read and never echo key bytes.</summary>
/// <remarks>Output is what openssl writes: "\n" line endings, 64-character lines, one trailing newline.</remarks>
internal static class PemCodec
{
    /// <summary>PKCS#8 "BEGIN PRIVATE KEY", as openssl 3 writes.</summary>
    public static string EncodePrivateKey(AsymmetricKeyParameter privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (!privateKey.IsPrivate)
            throw new ArgumentException("a private key is expected", nameof(privateKey));
        var der = PrivateKeyInfo(privateKey).GetDerEncoded();
        try
        {
            return PemBlocks.Encode("PRIVATE KEY", der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>
    /// The PKCS#8 structure BouncyCastle's <see cref="PrivateKeyInfoFactory"/> makes, byte for byte. For a named-curve EC
    /// key the factory recomputes the public point with its managed multiplier on the generic curve (4 ms a P-256 key,
    /// 12% of a fresh apply's CPU); here the point comes from <see cref="KeyPairs.PublicOf"/> (OpenSSL).
    /// </summary>
    internal static PrivateKeyInfo PrivateKeyInfo(AsymmetricKeyParameter privateKey)
    {
        if (privateKey is ECPrivateKeyParameters { AlgorithmName: "EC" or "ECDSA", PublicKeyParamSet: { } oid } ec
            && KeyPairs.PublicOf(ec) is ECPublicKeyParameters pub)
        {
            var x962 = new X962Parameters(oid);
            var structure = new ECPrivateKeyStructure(ec.Parameters.N.BitLength, ec.D, new DerBitString(pub.Q.GetEncoded(false)), x962);
            return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, x962), structure);
        }
        return PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey);
    }

    /// <summary>Reads PKCS#8, PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY" (unencrypted). Null when not a key.</summary>
    /// <remarks>The first readable key block wins; the public half is always derived from the private key.</remarks>
    public static AsymmetricCipherKeyPair? DecodePrivateKey(ReadOnlySpan<byte> pem)
    {
        Asn1Encodable? ecParameters = null;
        foreach (var block in PemBlocks.Decode(pem))
        {
            try
            {
                if (block.Label == "EC PARAMETERS")
                {
                    ecParameters = Asn1Object.FromByteArray(block.Der);
                    continue;
                }
                var der = block.Der;
                var key = block.Label switch
                {
                    "PRIVATE KEY" => RsaModulus.Build(() => PrivateKeyFactory.CreateKey(der)),
                    "RSA PRIVATE KEY" => RsaModulus.Build(() => new RsaPrivateCrtKeyParameters(RsaPrivateKeyStructure.GetInstance(der))),
                    "EC PRIVATE KEY" => DecodeSec1(der, ecParameters),
                    _ => null,
                };
                if (key is not null && IsConsistent(key))
                    return KeyPairs.PairOf(key);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Unreadable block: try the next one. The exception may quote input bytes, so it goes nowhere.
            }
            finally
            {
                CryptographicOperations.ZeroMemory(block.Der);
            }
        }
        return null;
    }

    public static string EncodeCertificate(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return PemBlocks.Encode("CERTIFICATE", certificate.GetEncoded());
    }

    /// <summary>Every certificate in a PEM bundle, in file order; empty when there is none or the text is not PEM.</summary>
    /// <remarks>Text between blocks ("subject=..." lines) is ignored, and so is a block that is not a readable certificate.</remarks>
    public static IReadOnlyList<X509Certificate> DecodeCertificates(ReadOnlySpan<byte> pem)
    {
        var certificates = new List<X509Certificate>();
        foreach (var block in PemBlocks.Decode(pem))
        {
            if (block.Label is not ("CERTIFICATE" or "X509 CERTIFICATE"))
                continue;
            try
            {
                certificates.Add(new X509Certificate(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(block.Der))));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // not a certificate after all
            }
        }
        return certificates;
    }

    public static string EncodeCrl(X509Crl crl)
    {
        ArgumentNullException.ThrowIfNull(crl);
        return PemBlocks.Encode("X509 CRL", crl.GetEncoded());
    }

    /// <summary>A PEM or DER CRL; null when unreadable.</summary>
    public static X509Crl? DecodeCrl(ReadOnlySpan<byte> pemOrDer)
    {
        var blocks = PemBlocks.Decode(pemOrDer);
        if (blocks.Count > 0)
        {
            foreach (var block in blocks)
                if (block.Label == "X509 CRL" && ReadCrl(block.Der) is { } crl)
                    return crl;
            return null;
        }
        return ReadCrl(pemOrDer.ToArray());
    }

    /// <summary>Every CRL in a PEM file (root.crl holds one per trusted CA while a CA rotation is under way); a DER file gives one.</summary>
    public static IReadOnlyList<X509Crl> DecodeCrls(ReadOnlySpan<byte> pemOrDer)
    {
        var blocks = PemBlocks.Decode(pemOrDer);
        if (blocks.Count == 0) return ReadCrl(pemOrDer.ToArray()) is { } single ? [single] : [];
        return blocks.Where(b => b.Label == "X509 CRL").Select(b => ReadCrl(b.Der)).OfType<X509Crl>().ToList();
    }

    private static X509Crl? ReadCrl(byte[] der)
    {
        try
        {
            return der.Length > 0 && der[0] == 0x30
                ? new X509Crl(CertificateList.GetInstance(Asn1Object.FromByteArray(der)))
                : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>SEC1 (RFC 5915) ECPrivateKey; the curve comes from the key itself or from a preceding "EC PARAMETERS" block.</summary>
    private static AsymmetricKeyParameter? DecodeSec1(byte[] der, Asn1Encodable? ecParameters)
    {
        var structure = ECPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(der));
        var parameters = structure.Parameters ?? ecParameters;
        if (parameters is null)
            return null;
        var algorithm = new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, X962Parameters.GetInstance(parameters));
        return PrivateKeyFactory.CreateKey(new PrivateKeyInfo(algorithm, structure));
    }

    /// <summary>Cheap sanity checks so that a truncated or edited key is not taken for a key.</summary>
    private static bool IsConsistent(AsymmetricKeyParameter key) => key switch
    {
        RsaPrivateCrtKeyParameters rsa => rsa.P.Multiply(rsa.Q).Equals(rsa.Modulus) && rsa.Modulus.BitLength >= 512,
        ECPrivateKeyParameters ec => ec.D.SignValue > 0 && ec.D.CompareTo(ec.Parameters.N) < 0,
        { IsPrivate: true } => true,
        _ => false,
    };
}
