namespace PemCertState.Observation;

/// <summary>What is true on the hosts now. Holds private keys in memory for the executor; no renderer may touch them.</summary>
/// <param name="Database">Null when the inventory has no server.database; otherwise what it said, or why it did not answer.</param>
/// <param name="Journal">The last apply's journal, when there is one: an interrupted apply may owe restarts.</param>
/// <param name="Web">The web server's files and config; null when the inventory has no web section.</param>
public sealed record ObservedState(ObservedServer Server, IReadOnlyDictionary<int, ObservedAgent> Agents, ObservedDatabase? Database = null, ObservedJournal? Journal = null, ObservedWeb? Web = null)
{
    /// <summary>Set with ca.source: trusted; with self-signed only when a trusted CA may have left pending keys or requests behind.</summary>
    public ObservedTrusted? Trusted { get; init; }

    /// <summary>The agent ledger (state_dir/agents.json); null only where a test builds the state by hand.</summary>
    public ObservedLedger? Ledger { get; init; }

    /// <summary>The state folder and what an older pemstate left in data_dir; null only where a test builds the state by hand.</summary>
    public ObservedStateFolder? StateFolder { get; init; }

    /// <summary>
    /// What each consumer (server, web, agent[N]) was last (re)started with, from state_dir/loaded.jsonl; null when there is
    /// no such file (a pemstate from before it, or nothing applied yet).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Loaded { get; init; }
}
