using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>What a person needs to recognise a certificate. Never holds key material.</summary>
/// <param name="Subject">OpenSSL form, see <see cref="DistinguishedNames.Format"/>.</param>
/// <param name="Serial">Hex, upper case, no separators.</param>
/// <param name="Sha256">SHA-256 of the DER certificate, upper-case hex with colons (as openssl x509 -fingerprint).</param>
/// <param name="PublicKeySha256">SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex; used to pair keys with certificates.</param>
/// <param name="Key">e.g. "RSA 4096", "ECDSA P-256".</param>
public sealed record CertificateSummary(
    string Subject,
    string Issuer,
    string Serial,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Sha256,
    string PublicKeySha256,
    string Key,
    bool IsCa)
{
    public static CertificateSummary From(X509Certificate certificate) => throw new NotImplementedException();
}
