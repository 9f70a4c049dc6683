using PemCertState.Database;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>What a trusted CA leaves behind and what undoes it: pending keys and their requests, PEM's renewal job turned off.</summary>
public static partial class Planner
{
    /// <summary>
    /// Back on PEM's own CA after a trusted one: the trusted switch turned PEM's 'Check CA certificate expiry' job off and moved
    /// ca_* away, so with ca_* missing and root.crt holding another CA, the job goes back on. First in the plan, before the CA is
    /// made again: after a crash the CA files are still missing, so the next plan still sees why.
    /// </summary>
    /// <summary>
    /// PEM's renewal job ("Check CA certificate expiry") under PEM's own CA: EDB's procedure turns it off with a common agent
    /// certificate (it would renew agents one by one, per-agent), so it is turned off in common mode and on again when the
    /// agents leave it (some agent.cfg still names the common user) or when a trusted CA, which turned it off, is left.
    /// </summary>
    internal static void PlanRenewalJob(DesiredState desired, ObservedState observed, List<PlanStep> steps)
    {
        var enabled = observed.Trusted?.RenewalJobEnabled ?? observed.Database?.RenewalJobEnabled;
        var address = $"job[{PemDatabase.RenewalJob}]";
        if (desired.Agents.User == AgentUserMode.Common)
        {
            if (enabled == true)
                steps.Add(new DisableJobStep(address, desired.Server.Host, "agents.user is common: PEM's renewal job would give agents per-agent certificates again (EDB turns it off with a common agent certificate)", PemDatabase.RenewalJob));
            return;
        }
        if (enabled != false) return;
        var server = observed.Server;
        var leavingTrusted = observed.Trusted?.RenewalJobEnabled == false
            && !(server.CaKey.File.Exists && server.CaCertificate.File.Exists) && server.Root.Certificates.Count > 0;
        var leavingCommon = observed.Agents.Values.Any(a => a.Settings.Settings.GetValueOrDefault("agent_user") == desired.Agents.CommonUser);
        if (!leavingTrusted && !leavingCommon) return;
        steps.Add(new EnableJobStep(address, desired.Server.Host, leavingTrusted
                ? "ca.source is self-signed again: PEM's own renewal job, turned off for the trusted CA, watches PEM's CA once more"
                : "agents.user is per-agent again: PEM's own renewal job, turned off for the common agent certificate, renews agents' certificates once more", PemDatabase.RenewalJob));
    }

    /// <summary>Self-signed: every pending key and request a trusted CA left is removed; nothing will ever sign them.</summary>
    internal static void PlanLeftovers(DesiredState desired, ObservedState observed, List<PlanStep> steps)
    {
        if (observed.Trusted is not { } seen) return;
        var addresses = seen.PendingKeys.Keys.Union(seen.RequestKeys.Keys).Order(StringComparer.Ordinal);
        foreach (var address in addresses)
            RemovePending(address, desired.Server.Host, seen.PendingKeys.GetValueOrDefault(address),
                seen.RequestKeys.ContainsKey(address) ? PendingFiles.Request(desired, address) : null,
                "ca.source is self-signed: nothing will sign this request, and a private key nobody uses is one more place for it to leak from",
                steps);
    }

    /// <param name="host">Where the pending key would be when there is none (only the request is left).</param>
    internal static void RemovePending(string address, string host, ObservedKey? pending, string? request, string reason, List<PlanStep> steps)
    {
        if (pending is null && request is null) return;
        steps.Add(new RemovePendingStep(address, pending?.File.Host ?? host, reason, pending?.File.Path, request));
    }
}
