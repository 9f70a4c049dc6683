using Org.BouncyCastle.X509;
using PemCertState.Crypto;

namespace PemCertState.Observation;

/// <summary>A certificate file (the first certificate in it). Certificate is null when missing or unreadable.</summary>
/// <remarks>Parsed facts only: the file's bytes are not kept (10,000 agents' PEM text served no one; FileFacts has the SHA-256).</remarks>
public sealed record ObservedCertificate(FileFacts File, X509Certificate? Certificate, CertificateSummary? Summary);
