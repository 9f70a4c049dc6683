using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// What an apply did. When <see cref="Failure"/> is set, something failed: a server-side failure stops the
/// apply at <see cref="FailedStep"/>; an agent's failure stops only that agent (and every server-side step
/// after the agents), and <see cref="Failures"/> lists each one while <see cref="Skipped"/> names what did not run.
/// When <see cref="Interrupted"/> is set, the apply was asked to stop: <see cref="Left"/> names every step it did not complete.
/// </summary>
public sealed record ApplyResult(
    IReadOnlyList<PlanStep> Completed,
    PlanStep? FailedStep,
    string? Failure,
    IReadOnlyList<string> BackupSets,
    IReadOnlyList<StepFailure>? Failures = null,
    IReadOnlyList<PlanStep>? Skipped = null)
{
    public bool Succeeded => Failure is null && !Interrupted;

    /// <summary>Stopped on request (Ctrl-C, SIGTERM) before every step ran.</summary>
    public bool Interrupted { get; init; }

    /// <summary>Stopped inside a step (a second Ctrl-C), not between steps: that step is among <see cref="Left"/>, cut short.</summary>
    public bool MidStep { get; init; }

    /// <summary>Why and where it stopped, as the journal records it.</summary>
    public string? Interruption { get; init; }

    /// <summary>The steps an interrupted apply did not complete (not started, or cut short), in plan order.</summary>
    public IReadOnlyList<PlanStep> Left { get; init; } = [];

    public IReadOnlyList<StepFailure> Failures { get; } = Failures ?? (FailedStep is null || Failure is null ? [] : [new StepFailure(FailedStep, Failure)]);

    public IReadOnlyList<PlanStep> Skipped { get; } = Skipped ?? [];
}
