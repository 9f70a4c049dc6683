namespace PemCertState.Observation;

/// <summary>A certificate found outside the managed files: in issued.jsonl, or a backup copy.</summary>
/// <param name="Where">"issued.jsonl (agent[3].certificate, 2026-11-27)" or "pem:/root/.pem/certs/20261127T120000Z/agent3.crt".</param>
public sealed record FoundCertificate(Org.BouncyCastle.X509.X509Certificate Certificate, string Where);
