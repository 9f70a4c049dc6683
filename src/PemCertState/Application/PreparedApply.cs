using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Rendering;

namespace PemCertState.Application;

/// <summary>
/// An apply observed and planned, not yet carried out: what a person approves. Holds the run's open hosts until disposed.
/// </summary>
public sealed class PreparedApply : IAsyncDisposable
{
    internal PreparedApply(ApplyRequest request, ApplyStatus status)
    {
        Request = request;
        Status = status;
    }

    public ApplyRequest Request { get; }

    /// <summary>Ready, NothingToDo, or why the apply stops here (NotObserved, Refused: already said or in <see cref="Problems"/>).</summary>
    public ApplyStatus Status { get; internal init; }

    /// <summary>The fresh plan, from the inventory and the hosts as observed now; null when the run stopped before it.</summary>
    public Plan? Plan { get; internal init; }

    /// <summary>Why the plan is refused, for after it is shown (one line each); empty when it is not.</summary>
    public IReadOnlyList<string> Problems { get; internal init; } = [];

    /// <summary>The saved plan the request named, once read and found to match the inventory.</summary>
    public SavedPlan? Saved { get; internal init; }

    /// <summary>The inventory after discovery and --skip-host; null when the run stopped before it.</summary>
    public DesiredState? Desired { get; internal init; }

    /// <summary>What was observed before the plan was made (the apply observes again under its lock).</summary>
    public ObservedState? Observed { get; internal init; }

    internal HostFilterResult? Filter { get; init; }
    internal HostSet? Hosts { get; init; }

    public async ValueTask DisposeAsync()
    {
        if (Hosts is not null) await Hosts.DisposeAsync().ConfigureAwait(false);
    }
}
