using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.State;

namespace PemCertState.Observation;

/// <summary>
/// pemstate's own state folder on the server host (server.state_dir), and what a pemstate from before it left in data_dir
/// for the next apply to move there.
/// </summary>
/// <param name="WritableFolders">The state folder, or folders above it, that an account other than root can change: while
/// any is reported, nothing may be written there.</param>
/// <param name="LegacyJournal">data_dir/.pemstate-journal.jsonl when it exists, else null.</param>
/// <param name="LegacyLedger">data_dir/.pemstate-agents.json when it exists, else null.</param>
/// <param name="LegacyLock">data_dir/.pemstate.lock when it exists, else null.</param>
/// <param name="LegacySets">Backup sets in the old server backup folder whose manifest the rollback checks accept and whose
/// copies all have the recorded SHA-256: the ones that may move into the state folder.</param>
/// <param name="RefusedSets">Old sets that fail those checks, each "host:manifest: what is wrong": they stay where they are.</param>
/// <param name="Locks">The apply locks there now (the state folder's, an older pemstate's), each with what it says of its holder.</param>
public sealed record ObservedStateFolder(
    string Path,
    IReadOnlyList<WritableFolder> WritableFolders,
    string? LegacyJournal,
    string? LegacyLedger,
    string? LegacyLock,
    IReadOnlyList<BackupSet> LegacySets,
    IReadOnlyList<string> RefusedSets,
    IReadOnlyList<ObservedLock> Locks)
{
    /// <summary>
    /// The SHA-256 of the journal as observed ("" when there was none). Every run that changes anything begins its journal
    /// first, under the lock: an unchanged journal once this run holds the lock means no other run changed a host since.
    /// </summary>
    public string JournalSha256 { get; init; } = "";

    /// <summary>True when nothing of an older pemstate is left to move.</summary>
    public bool Migrated => LegacyJournal is null && LegacyLedger is null && LegacyLock is null && LegacySets.Count == 0;
}
