namespace PemCertState.Observation;

/// <summary>The last apply as its journal tells it.</summary>
/// <param name="Finished">False when the apply was killed or failed before its last step.</param>
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
    IReadOnlySet<string> PendingRestarts)
{
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
