using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>
/// One action on one resource. A closed hierarchy: one sealed record per <see cref="StepAction"/> (in Steps/), each with
/// exactly the members its action needs, so the executor and the renderers match on the type and never read a member
/// by convention. None of them ever holds key material (summaries and fingerprints only).
/// </summary>
/// <param name="Address">Stable resource address: "ca", "server.certificate", "agent[7].settings", "restart[server]".</param>
/// <param name="Host">The host the step acts on.</param>
/// <param name="Reason">Why the step exists, for people only. The executor never reads it.</param>
public abstract record PlanStep(ResourceAddress Address, string Host, string Reason)
{
    public abstract StepAction Action { get; }

    /// <summary>
    /// The files the step writes (Backup: the files it copies; Remove: the files it deletes), for folder safety, backups and
    /// the journal. A step's own members name each one for what it is.
    /// </summary>
    public abstract IReadOnlyList<string> Paths { get; }

    /// <summary>The step's members as the JSON plan writes them: its one flat, backward-compatible form.</summary>
    internal abstract StepMembers Members { get; }
}
