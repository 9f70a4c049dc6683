namespace PemCertState.Observation;

/// <summary>One agent certificate pemstate installed, as the ledger records it: enough to find and revoke it after
/// the agent has left the inventory. Paths are absolute on <see cref="Host"/>; no key material.</summary>
/// <param name="Serial">Hex, upper case, as <see cref="Crypto.CertificateSummary.Serial"/>.</param>
public sealed record LedgerEntry(int Id, string Host, string Key, string Certificate, string BackupDir, string Subject, string Serial, string Issuer);
