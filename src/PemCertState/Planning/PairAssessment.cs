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
    public PairFile KeyFile => !Key.File.Exists ? PairFile.Missing : !Key.Readable ? PairFile.Unreadable : PairFile.Present;

    public PairFile CertificateFile => !Certificate.File.Exists ? PairFile.Missing : Certificate.Certificate is null ? PairFile.Unreadable : PairFile.Present;

    /// <summary>Both files are there and read: only then do the pairing and the certificate's contents mean something.</summary>
    public bool Complete => KeyFile == PairFile.Present && CertificateFile == PairFile.Present;

    /// <summary>Both are read and the key is not the certificate's (their public keys differ).</summary>
    public bool Mismatched => Key.Readable && Certificate.Summary is { } summary && Key.PublicKeySha256 != summary.PublicKeySha256;

    /// <summary>Why the certificate does not chain to <paramref name="anchors"/>; null when it does, or there is no certificate or anchor to judge.</summary>
    public string? ChainProblem(IReadOnlyList<X509Certificate> anchors, DateTimeOffset now) =>
        Certificate.Certificate is { } certificate && anchors.Count > 0 ? ChainCheck.Problem(certificate, anchors, now) : null;

    /// <summary>When a CRL from one of <paramref name="issuers"/> revoked the certificate; null when none did.</summary>
    public DateTimeOffset? RevokedOn(IReadOnlyList<X509Crl> crls, IReadOnlyList<X509Certificate> issuers) =>
        Certificate.Certificate is { } certificate ? Revocation.RevokedOn(certificate, crls, issuers) : null;
}
