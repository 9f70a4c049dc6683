using PemCertState.Crypto;

namespace PemCertState.Verification;

/// <summary>What the web server served on a TLS handshake, and what is wrong with it.</summary>
/// <param name="ServerName">The SNI name sent.</param>
/// <param name="Served">Summary of the served certificate; null when the handshake failed.</param>
public sealed record WebTlsReport(string Address, string ServerName, CertificateSummary? Served, IReadOnlyList<Finding> Findings);
