using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>What a trusted CA leaves behind and what undoes it: pending keys and their requests (PEM's renewal job: <see cref="RenewalJob"/>).</summary>
public static partial class Planner
{
    /// <summary>Self-signed: every pending key and request a trusted CA left is removed; nothing will ever sign them.</summary>
    internal static void PlanLeftovers(DesiredState desired, ObservedState observed, List<PlanStep> steps)
    {
        if (observed.Trusted is not { } seen) return;
        var addresses = seen.PendingKeys.Keys.Union(seen.RequestKeys.Keys).OrderBy(a => a.ToString(), StringComparer.Ordinal);
        foreach (var address in addresses)
            RemovePending(address, desired.Server.Host, seen.PendingKeys.GetValueOrDefault(address),
                seen.RequestKeys.ContainsKey(address) ? PendingFiles.Request(desired, address) : null,
                "ca.source is self-signed: nothing will sign this request, and a private key nobody uses is one more place for it to leak from",
                steps);
    }

    /// <param name="host">Where the pending key would be when there is none (only the request is left).</param>
    internal static void RemovePending(ResourceAddress address, string host, ObservedKey? pending, string? request, string reason, List<PlanStep> steps)
    {
        if (pending is null && request is null) return;
        steps.Add(new RemovePendingStep(address, pending?.File.Host ?? host, reason, pending?.File.Path, request));
    }
}
