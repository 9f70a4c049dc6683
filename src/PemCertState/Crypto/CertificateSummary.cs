using System.Globalization;
using System.Security.Cryptography;
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
    public static CertificateSummary From(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var publicKey = RsaModulus.Build(certificate.GetPublicKey);
        string key;
        try
        {
            key = KeyGenerator.Describe(publicKey).ToString();
        }
        catch (NotSupportedException)
        {
            // e.g. an Ed25519 root in a trusted CA's bundle: name it rather than fail the summary
            key = publicKey.GetType().Name.Replace("PublicKeyParameters", "", StringComparison.Ordinal);
        }
        return new CertificateSummary(
            DistinguishedNames.Format(certificate.SubjectDN),
            DistinguishedNames.Format(certificate.IssuerDN),
            Serials.Text(certificate.SerialNumber),
            Utc(certificate.NotBefore),
            Utc(certificate.NotAfter),
            string.Join(':', SHA256.HashData(certificate.GetEncoded()).Select(b => b.ToString("X2", CultureInfo.InvariantCulture))),
            Fingerprints.PublicKey(publicKey),
            key,
            certificate.GetBasicConstraints() >= 0);
    }

    /// <summary>X.509 times are UTC; an Unspecified kind must not be shifted by the local time zone.</summary>
    private static DateTimeOffset Utc(DateTime time)
        => new(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
