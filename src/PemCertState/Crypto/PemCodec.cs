using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>PEM text in and out. Decoders return null (or empty) on input they cannot read and never echo key bytes.</summary>
public static class PemCodec
{
    /// <summary>PKCS#8 "BEGIN PRIVATE KEY", as openssl 3 writes.</summary>
    public static string EncodePrivateKey(AsymmetricKeyParameter privateKey) => throw new NotImplementedException();

    /// <summary>Reads PKCS#8, PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY" (unencrypted). Null when not a key.</summary>
    public static AsymmetricCipherKeyPair? DecodePrivateKey(ReadOnlySpan<byte> pem) => throw new NotImplementedException();

    public static string EncodeCertificate(X509Certificate certificate) => throw new NotImplementedException();

    /// <summary>Every certificate in a PEM bundle, in file order; empty when there is none or the text is not PEM.</summary>
    public static IReadOnlyList<X509Certificate> DecodeCertificates(ReadOnlySpan<byte> pem) => throw new NotImplementedException();

    public static string EncodeCrl(X509Crl crl) => throw new NotImplementedException();

    /// <summary>A PEM or DER CRL; null when unreadable.</summary>
    public static X509Crl? DecodeCrl(ReadOnlySpan<byte> pemOrDer) => throw new NotImplementedException();
}
