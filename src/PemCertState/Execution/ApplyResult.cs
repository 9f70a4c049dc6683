using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>What an apply did. When <see cref="Failure"/> is set, the steps after <see cref="FailedStep"/> did not run.</summary>
public sealed record ApplyResult(
    IReadOnlyList<PlanStep> Completed,
    PlanStep? FailedStep,
    string? Failure,
    IReadOnlyList<string> BackupSets)
{
    public bool Succeeded => Failure is null;
}
