using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>A CA certificate with its private key: signs leaf certificates and CRLs.</summary>
public sealed class CertificateAuthority(X509Certificate certificate, AsymmetricKeyParameter privateKey)
{
    public X509Certificate Certificate { get; } = certificate;

    /// <summary>CA:TRUE (critical), keyCertSign|cRLSign (critical), SKI, AKI, random positive 127-bit serial, SHA-256.</summary>
    public static CertificateAuthority CreateSelfSigned(string subjectDn, AsymmetricCipherKeyPair keyPair, DateTimeOffset now, TimeSpan validity)
        => throw new NotImplementedException();

    /// <summary>A leaf: CA:FALSE, digitalSignature|keyEncipherment (RSA) or digitalSignature (EC), EKU per usage, SKI, AKI.</summary>
    public X509Certificate Issue(string subjectDn, AsymmetricKeyParameter subjectPublicKey, LeafUsage usage, DateTimeOffset now, TimeSpan validity)
        => throw new NotImplementedException();

    /// <summary>A CRL signed by this CA, thisUpdate=now, nextUpdate=now+validity, CRL number, AKI; keeps the given revoked entries.</summary>
    public X509Crl CreateCrl(DateTimeOffset now, TimeSpan validity, IEnumerable<RevokedEntry>? revoked = null)
        => throw new NotImplementedException();

    /// <summary>True when the private key belongs to the certificate.</summary>
    public bool KeyMatches => throw new NotImplementedException();

    internal AsymmetricKeyParameter PrivateKey { get; } = privateKey;
}
