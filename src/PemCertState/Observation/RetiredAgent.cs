namespace PemCertState.Observation;

/// <summary>An agent that left the managed set and whose files pemstate removed (agents.revoke_removed).</summary>
/// <param name="Revoked">Whether its serials went into root.crl. False for a common-user pair, which every other agent still uses.</param>
/// <param name="Serials">Every serial revoked for it (the ledger's and the one found on its host, when they differ).</param>
public sealed record RetiredAgent(LedgerEntry Agent, DateTimeOffset RetiredAt, bool Revoked, IReadOnlyList<string> Serials, string Reason);
