using PemCertState.Execution;
using PemCertState.Planning;

namespace PemCertState.Application;

/// <summary>How an apply ended, for the command line to render.</summary>
/// <param name="Plan">The plan it carried out (or refused); null when the run stopped before planning.</param>
/// <param name="Result">What the executor did; null when no step ran.</param>
public sealed record ApplyOutcome(ApplyStatus Status, Plan? Plan, ApplyResult? Result);
