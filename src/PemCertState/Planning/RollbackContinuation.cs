using PemCertState.State;

namespace PemCertState.Planning;

/// <summary>
/// A rollback that finishes an interrupted one: the backup id that run began (and the folders where it wrote a manifest),
/// so that the same set ends up holding every file as it was before the rollback, each copied once, before it was replaced.
/// </summary>
/// <param name="Kept">The interrupted run's sets that passed their checks; the files they record are not backed up again (by
/// now some may hold the restored bytes).</param>
/// <param name="Note">What the plan tells the person about it.</param>
public sealed record RollbackContinuation(string BackupId, IReadOnlyList<BackupSet> Kept, string Note);
