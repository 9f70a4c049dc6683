using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>A trusted CA's pending key and request, removed once nothing will sign them or they are done with.</summary>
public static partial class Planner
{
    /// <param name="host">Where the pending key would be when there is none (only the request is left).</param>
    internal static void RemovePending(ResourceAddress address, string host, ObservedKey? pending, string? request, string reason, List<PlanStep> steps)
    {
        if (pending is null && request is null) return;
        steps.Add(new RemovePendingStep(address, pending?.File.Host ?? host, reason, pending?.File.Path, request));
    }
}
