namespace PemCertState.Observation;

/// <summary>A ledger agent that is no longer managed, with its key and certificate as found at the ledger's paths.</summary>
/// <param name="Key">Null when its host is not part of this run (skipped, or no longer declared), or its paths were refused: nothing was read.</param>
/// <param name="Refused">Why its files are left alone: the ledger's paths are not the ones the inventory gives that agent,
/// or one of them goes through a symbolic link. Null when they may be backed up and removed.</param>
public sealed record ObservedRetiring(LedgerEntry Entry, ObservedKey? Key, ObservedCertificate? Certificate, string? Refused = null);
