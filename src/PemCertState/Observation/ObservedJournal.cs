using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>The last apply as its journal tells it.</summary>
/// <param name="Finished">False when the apply was killed, failed, or was interrupted (Ctrl-C, SIGTERM) before its last step.</param>
/// <param name="Completed">1-based numbers of the steps that completed, ascending. Agents' steps run in parallel, so
/// step 14 may have completed while step 12 had not.</param>
/// <param name="Unfinished">"12 (agent[2].certificate install)" for each step that started but did not complete.</param>
/// <param name="PendingRestarts">Restart addresses the apply planned, whose files it changed, and that it never ran.</param>
public sealed record ObservedJournal(
    string Apply,
    DateTimeOffset? Started,
    int Steps,
    bool Finished,
    IReadOnlyList<int> Completed,
    IReadOnlyList<string> Unfinished,
    string? Error,
    IReadOnlySet<ResourceAddress> PendingRestarts)
{
    /// <summary>The run was stopped on request (Ctrl-C, SIGTERM) and released its lock; <see cref="Error"/> says where.</summary>
    public bool Interrupted { get; init; }

    /// <summary>When the run was a rollback: the backup id it restores.</summary>
    public string? RollbackOf { get; init; }

    /// <summary>The id of the backup sets the run wrote; null when it backed nothing up, or was journaled by an older pemstate.</summary>
    public string? BackupId { get; init; }

    /// <summary>A rollback that was killed or failed before its end: the next `pemstate rollback` finishes it.</summary>
    public bool InterruptedRollback => !Finished && RollbackOf is not null;

    /// <summary>The highest N such that steps 1..N all completed (0: not even the first).</summary>
    public int CompletedThrough
    {
        get
        {
            var n = 0;
            foreach (var step in Completed)
            {
                if (step != n + 1) break;
                n = step;
            }
            return n;
        }
    }
}
