using PemCertState.Planning;

namespace PemCertState.Application;

/// <summary>What `pemstate apply` was asked to do, as bound from its arguments.</summary>
/// <param name="InventoryFile">The inventory (pemstate.yaml).</param>
public sealed record ApplyRequest(string InventoryFile)
{
    /// <summary>A plan saved with `plan --out`: the apply refuses unless a fresh plan takes exactly its steps.</summary>
    public string? SavedPlanFile { get; init; }

    /// <summary>
    /// Approved before it is planned (--auto-approve; a saved plan is too): nobody pauses between the plan and its
    /// execution, so the apply may go on from its one observation (<see cref="ApplyOperation"/>).
    /// </summary>
    public bool Approved { get; init; }

    /// <summary>--skip-host: hosts left out of the run, with their agents.</summary>
    public IReadOnlyList<string> SkipHosts { get; init; } = [];

    public PlanOptions Options { get; init; } = new();

    /// <summary>Agents (and their hosts) worked on at once.</summary>
    public int Parallelism { get; init; } = 10;

    /// <summary>--break-lock: remove a lock whose process is gone.</summary>
    public bool BreakLock { get; init; }

    /// <summary>Stops the steps under way too (a second Ctrl-C); the operation's own token stops it between steps only.</summary>
    public CancellationToken MidStep { get; init; }

    /// <summary>Called after step N completed and was journaled: failure injection for the crash tests, null otherwise.</summary>
    public Func<int, Task>? AfterStep { get; init; }

    /// <summary>Told when each step begins and ends (a terminal shows the restarts as they run); null for nobody.</summary>
    public IProgress<Execution.StepProgress>? Steps { get; init; }
}
