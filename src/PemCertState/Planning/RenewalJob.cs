using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// PEM's own renewal job ("Check CA certificate expiry"), one rule for both issuers. Off with a trusted CA (it would replace
/// the trusted certificates with self-signed ones) and with a common agent certificate (EDB turns it off: it would renew
/// agents one by one, per agent). On again when PEM's own CA comes back after a trusted one (ca_* still missing, root.crt
/// holding another CA) or when the agents leave the common user (some agent.cfg still names it).
/// </summary>
/// <remarks>
/// Where the reconciler puts it, for both issuers, follows from what the next plan must still see after a crash:
/// <list type="bullet">
/// <item>On: first, before the issuer's own steps. Coming back from a trusted CA, the reason to turn it on is that PEM's
/// CA files are missing; a crash once the CA is made again would leave it off for good if the step came later.</item>
/// <item>Off: once the issuer's trust steps are done (root.crt and, for a trusted CA, PEM's ca_* moved away). Turned off
/// before that, a crash would leave it off beside PEM's CA files, and going back to self-signed would then find no
/// reason to turn it on again. A crash before it leaves it on, and the next plan turns it off.</item>
/// </list>
/// A trusted CA's plan that only writes requests has neither: the job stays on until the signed certificates come.
/// </remarks>
internal static class RenewalJob
{
    public static PlanStep? Step(DesiredState desired, ObservedState observed)
    {
        var enabled = observed.Trusted?.RenewalJobEnabled ?? observed.Database?.RenewalJobEnabled;
        if (desired.Ca.Source == CaSource.Trusted)
            return enabled == true ? Off(desired, "with a trusted CA, PEM's own renewal job would replace the trusted certificates with self-signed ones") : null;
        if (desired.Agents.User == AgentUserMode.Common)
            return enabled == true ? Off(desired, "agents.user is common: PEM's renewal job would give agents per-agent certificates again (EDB turns it off with a common agent certificate)") : null;
        if (enabled != false) return null;
        var server = observed.Server;
        var leavingTrusted = observed.Trusted?.RenewalJobEnabled == false
            && !(server.CaKey.File.Exists && server.CaCertificate.File.Exists) && server.Root.Certificates.Count > 0;
        var leavingCommon = observed.Agents.Values.Any(a => a.Settings.Settings.GetValueOrDefault("agent_user") == desired.Agents.CommonUser);
        if (leavingTrusted)
            return new EnableJobStep(Address, desired.Server.Host, "ca.source is self-signed again: PEM's own renewal job, turned off for the trusted CA, watches PEM's CA once more", PemJobs.Renewal);
        return leavingCommon
            ? new EnableJobStep(Address, desired.Server.Host, "agents.user is per-agent again: PEM's own renewal job, turned off for the common agent certificate, renews agents' certificates once more", PemJobs.Renewal)
            : null;
    }

    private static readonly ResourceAddress Address = Addresses.Job(PemJobs.Renewal);

    private static DisableJobStep Off(DesiredState desired, string reason) => new(Address, desired.Server.Host, reason, PemJobs.Renewal);
}
