using Org.BouncyCastle.X509;
using PemCertState.Crypto;

namespace PemCertState.Observation;

/// <summary>A file in ca.signed_dir: what the CA sent back, under whatever name it was given.</summary>
/// <param name="Certificates">Every certificate in it (PEM or DER), leaf first; empty when it holds none.</param>
/// <param name="Summary">Of the first certificate, the leaf; null when there is none.</param>
public sealed record SignedFile(string Path, IReadOnlyList<X509Certificate> Certificates, CertificateSummary? Summary)
{
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>SHA-256 of the file's bytes, for a saved plan's fingerprint.</summary>
    public string? Sha256 { get; init; }

    public X509Certificate? Leaf => Certificates.Count > 0 ? Certificates[0] : null;
}
