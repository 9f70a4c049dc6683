using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>The ordered steps that take the observed state to the desired one. Empty means converged.</summary>
/// <param name="Notes">Things a person should know that are not steps (an interrupted apply, steps left out).</param>
public sealed record Plan(IReadOnlyList<PlanStep> Steps, IReadOnlyList<string>? Notes = null)
{
    public IReadOnlyList<string> Notes { get; } = Notes ?? [];

    public bool IsEmpty => Steps.Count == 0;

    /// <summary>What a person should know that no step can fix (a role PEM should have made, a shadowed pg_hba.conf line).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Steps apply will not carry out, and why (a private key below a folder another account can change). Apply refuses the whole plan while any is left.</summary>
    public IReadOnlyList<string> Refusals { get; init; } = [];

    /// <summary>
    /// Agents left out because a file of theirs could not be read, or their agent.cfg names another agent_id: the plan holds no step for them, and a plan that
    /// replaces the CA or root.crt would lock them out (<see cref="HostFilter.Conflict"/> refuses it).
    /// </summary>
    public IReadOnlyList<int> UnreadableAgents { get; init; } = [];

    /// <summary>A rollback's plan: the backup id whose files it puts back. Null for an apply.</summary>
    public string? RollbackOf { get; init; }

    /// <summary>
    /// The id the plan's backup steps write under; null: a new one, the time of the run. Set when a rollback finishes an
    /// interrupted one: its set is completed, so that one set still holds every file as it was before the rollback.
    /// </summary>
    public string? BackupId { get; init; }

    /// <summary>The resource addresses the plan touches, in first-step order.</summary>
    public IReadOnlyList<ResourceAddress> Resources => Steps.Select(s => s.Address).Distinct().ToList();
}
