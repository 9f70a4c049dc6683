using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>How one file of a key/certificate pair stands.</summary>
internal enum PairFile { Present, Missing, Unreadable }

/// <summary>
/// One key/certificate pair as every check judges it: the plan (self-signed and trusted), verify and the trusted
/// preflight before a restart. Which file is missing or unreadable, whether the key is the certificate's, whether the
/// certificate chains to given anchors and is on a CRL: decided here once; each caller only words it for its reader.
/// </summary>
internal sealed record PairAssessment(ObservedKey Key, ObservedCertificate Certificate)
{
    private readonly CertificateAssessment _certificate = new(Certificate);

    public PairFile KeyFile => !Key.File.Exists ? PairFile.Missing : !Key.Readable ? PairFile.Unreadable : PairFile.Present;

    public PairFile CertificateFile => _certificate.File;

    /// <summary>Both files are there and read: only then do the pairing and the certificate's contents mean something.</summary>
    public bool Complete => KeyFile == PairFile.Present && CertificateFile == PairFile.Present;

    /// <summary>Both are read and the key is not the certificate's (their public keys differ).</summary>
    public bool Mismatched => Key.Readable && Certificate.Summary is { } summary && Key.PublicKeySha256 != summary.PublicKeySha256;

    /// <inheritdoc cref="CertificateAssessment.ChainProblem"/>
    public string? ChainProblem(IReadOnlyList<X509Certificate> anchors, DateTimeOffset now, SignatureFacts signatures) => _certificate.ChainProblem(anchors, now, signatures);

    /// <inheritdoc cref="CertificateAssessment.UsageProblem(LeafUsage)"/>
    public string? UsageProblem(Crypto.LeafUsage usage) => _certificate.UsageProblem(usage);

    /// <inheritdoc cref="CertificateAssessment.RevokedOn"/>
    public DateTimeOffset? RevokedOn(IReadOnlyList<X509Crl> crls, IReadOnlyList<X509Certificate> issuers) => _certificate.RevokedOn(crls, issuers);
}
