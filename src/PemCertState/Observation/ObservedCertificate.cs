using Org.BouncyCastle.X509;
using PemCertState.Crypto;

namespace PemCertState.Observation;

/// <summary>A certificate file (the first certificate in it). Certificate is null when missing or unreadable.</summary>
public sealed record ObservedCertificate(FileFacts File, X509Certificate? Certificate, CertificateSummary? Summary, byte[] Content);
