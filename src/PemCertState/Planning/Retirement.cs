namespace PemCertState.Planning;

/// <summary>An agent leaving the managed set, as a write_crl or write_ledger step carries it.</summary>
/// <param name="Serials">Certificate serials (hex, upper case) root.crl must list when <paramref name="Revoke"/> is true.</param>
/// <param name="Revoke">False for a common-user pair: revoking it would lock out every other agent.</param>
/// <param name="Reason">Why the agent left: "agent 7 is no longer in the inventory", "agent 7 is inactive in pem.agent".</param>
internal sealed record Retirement(int Agent, IReadOnlyList<string> Serials, bool Revoke, string Reason);
