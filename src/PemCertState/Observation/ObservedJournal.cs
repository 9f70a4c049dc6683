namespace PemCertState.Observation;

/// <summary>The last apply as its journal tells it.</summary>
/// <param name="Finished">False when the apply was killed or failed before its last step.</param>
/// <param name="LastCompleted">1-based number of the last step that completed (0: none).</param>
/// <param name="Stopped">"agent[2].certificate install" of the step that started but did not complete, if any.</param>
/// <param name="PendingRestarts">Restart addresses the apply planned, whose files it changed, and that it never ran.</param>
public sealed record ObservedJournal(
    string Apply,
    DateTimeOffset? Started,
    int Steps,
    bool Finished,
    int LastCompleted,
    string? Stopped,
    string? Error,
    IReadOnlySet<string> PendingRestarts);
