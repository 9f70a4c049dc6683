using PemCertState.Crypto;

namespace PemCertState.Observation;

/// <summary>What is true on the hosts now, as facts: fingerprints, summaries, modes, owners, signatures. No private key.</summary>
/// <param name="Database">Null when the inventory has no server.database; otherwise what it said, or why it did not answer.</param>
/// <param name="Journal">The last apply's journal, when there is one: an interrupted apply may owe restarts.</param>
/// <param name="Web">The web server's files and config; null when the inventory has no web section.</param>
public sealed record ObservedState(ObservedServer Server, IReadOnlyDictionary<int, ObservedAgent> Agents, ObservedDatabase? Database = null, ObservedJournal? Journal = null, ObservedWeb? Web = null)
{
    /// <summary>Set with ca.source: trusted; with self-signed only when a trusted CA may have left pending keys or requests behind.</summary>
    public ObservedTrusted? Trusted { get; init; }

    /// <summary>
    /// Which observed CA certificate signed which observed certificate, checked on every core during observation
    /// (<see cref="Observer"/>), so that planning and verify compare facts. <see cref="SignatureFacts.None"/> where a test
    /// builds the state by hand: each question is then checked when asked.
    /// </summary>
    public SignatureFacts Signatures { get; init; } = SignatureFacts.None;

    /// <summary>The agent ledger (state_dir/agents.json); null only where a test builds the state by hand.</summary>
    public ObservedLedger? Ledger { get; init; }

    /// <summary>The state folder and what an older pemstate left in data_dir; null only where a test builds the state by hand.</summary>
    public ObservedStateFolder? StateFolder { get; init; }

    /// <summary>
    /// What each consumer (server, web, agent[N]) was last (re)started with, from state_dir/loaded.jsonl; null when there is
    /// no such file (a pemstate from before it, or nothing applied yet).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Loaded { get; init; }

    /// <summary>
    /// With agents.revoke_removed and PEM's own CA: every certificate state_dir/issued.jsonl says the CA signed (each line
    /// checked, not yet against the CA) and, while there is no ledger yet, the agent certificates found in the managed
    /// agents' backup sets, each with where it was found. Empty otherwise.
    /// </summary>
    public IReadOnlyList<FoundCertificate> Untracked { get; init; } = [];

    /// <summary>
    /// What interrupted writes may have left in the managed folders (<see cref="ManagedFolders"/>) and, after an
    /// interrupted run, in the folders of the backup id it was writing.
    /// </summary>
    public IReadOnlyList<ObservedLeftover> Leftovers { get; init; } = [];

    /// <summary>After an interrupted run: the folders of the backup id it was writing that have no manifest.json.</summary>
    public IReadOnlyList<State.IncompleteBackup> IncompleteSets { get; init; } = [];

    /// <summary>Every file of the inventory's that was read: the server's, the agents', the web server's, the pending keys.</summary>
    public IEnumerable<FileFacts> ManagedFiles()
    {
        FileFacts[] server = [Server.CaKey.File, Server.CaCertificate.File, Server.Root.File, Server.Crl.File, Server.Key.File, Server.Certificate.File, Server.Settings.File];
        foreach (var file in server) yield return file;
        foreach (var agent in Agents.Values)
        {
            yield return agent.Key.File;
            yield return agent.Certificate.File;
            yield return agent.Settings.File;
        }
        if (Web is { } web)
        {
            yield return web.Key.File;
            yield return web.Certificate.File;
            yield return web.Config;
            if (web.Chain is { } chain) yield return chain.File;
        }
        foreach (var pending in Trusted?.PendingKeys.Values ?? []) yield return pending.File;
    }
}
