using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// What an apply did. When <see cref="Failure"/> is set, something failed: a server-side failure stops the
/// apply at <see cref="FailedStep"/>; an agent's failure stops only that agent (and every server-side step
/// after the agents), and <see cref="Failures"/> lists each one while <see cref="Skipped"/> names what did not run.
/// </summary>
public sealed record ApplyResult(
    IReadOnlyList<PlanStep> Completed,
    PlanStep? FailedStep,
    string? Failure,
    IReadOnlyList<string> BackupSets,
    IReadOnlyList<StepFailure>? Failures = null,
    IReadOnlyList<PlanStep>? Skipped = null)
{
    public bool Succeeded => Failure is null;

    public IReadOnlyList<StepFailure> Failures { get; } = Failures ?? (FailedStep is null || Failure is null ? [] : [new StepFailure(FailedStep, Failure)]);

    public IReadOnlyList<PlanStep> Skipped { get; } = Skipped ?? [];
}
