using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// A step of an apply (or rollback) starting or ending, for a display of the long waits (restarts, reloads). Reported
/// synchronously on the step's own thread, so a step's start always comes before its end; agents' lanes report at once
/// from several threads. A step that never began (skipped after a failure, left by an interruption) reports nothing.
/// </summary>
/// <param name="Number">The step's number in the plan, from 1.</param>
/// <param name="Ended">False when the step begins (before its first change), true when it completed or failed.</param>
/// <param name="Elapsed">Zero at the start; at the end, how long the step took (by the executor's clock).</param>
/// <param name="Error">At the end of a step that failed or was cut short, why; null otherwise.</param>
public sealed record StepProgress(int Number, PlanStep Step, bool Ended, TimeSpan Elapsed, string? Error = null)
{
    public ResourceAddress Address => Step.Address;
    public StepAction Action => Step.Action;
    public string Host => Step.Host;
}
