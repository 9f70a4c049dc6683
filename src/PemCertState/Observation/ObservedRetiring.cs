namespace PemCertState.Observation;

/// <summary>A ledger agent that is no longer managed, with its key and certificate as found at the ledger's paths.</summary>
/// <param name="Key">Null when its host is not part of this run (skipped, or no longer declared): nothing was read.</param>
public sealed record ObservedRetiring(LedgerEntry Entry, ObservedKey? Key, ObservedCertificate? Certificate);
