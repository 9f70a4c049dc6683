using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>A step that failed, with the host's or the command's own words.</summary>
public sealed record StepFailure(PlanStep Step, string Error);
