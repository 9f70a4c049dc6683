using PemCertState.Inventory;

namespace PemCertState.Planning;

/// <summary>
/// Hosts the user leaves out of a run on purpose (--skip-host), e.g. an agent machine that is down. The
/// filter runs before observation, so a skipped host is never contacted and its agents are neither observed
/// nor planned; the result says which agents (and whether the web server) were left out, so that the plan can say so.
/// </summary>
public static class HostFilter
{
    /// <summary>
    /// Removes <paramref name="skip"/> hosts, their agents and the web section when its host is skipped. The server's host
    /// cannot be skipped: every step depends on it.
    /// </summary>
    public static HostFilterResult Apply(DesiredState desired, IReadOnlyCollection<string> skip)
    {
        if (skip.Count == 0) return new HostFilterResult(desired, [], [], null);
        var unknown = skip.Where(h => !desired.Hosts.ContainsKey(h)).ToList();
        if (unknown.Count > 0)
            return new HostFilterResult(desired, [], [], $"--skip-host names {string.Join(", ", unknown)}, not declared in hosts (declared: {string.Join(", ", desired.Hosts.Keys)})");
        if (skip.Contains(desired.Server.Host))
            return new HostFilterResult(desired, [], [], $"--skip-host {desired.Server.Host}: the server's host cannot be skipped; every step depends on its CA and root.crt");

        var skipped = skip.ToHashSet(StringComparer.Ordinal);
        var leftOut = desired.Agents.List.Where(a => skipped.Contains(a.Host)).Select(a => a.Id).ToList();
        var webLeftOut = desired.Web is { } web && skipped.Contains(web.Host);
        var filtered = desired with
        {
            Hosts = desired.Hosts.Where(h => !skipped.Contains(h.Key)).ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal),
            Agents = desired.Agents with
            {
                List = desired.Agents.List.Where(a => !skipped.Contains(a.Host)).ToList(),
                LeftOut = leftOut.ToHashSet(),
                SkippedHosts = skipped,
            },
            Web = webLeftOut ? null : desired.Web,
        };
        return new HostFilterResult(filtered, skipped.Order(StringComparer.Ordinal).ToList(), leftOut, null) { SkippedWeb = webLeftOut };
    }

    /// <summary>
    /// Why a plan must not run with agents left out, or null. A new CA (or a rewritten root.crt) followed by a
    /// server restart would make the server reject the skipped agents' certificates: rule 3 of design.md.
    /// </summary>
    public static string? Conflict(Plan plan, HostFilterResult filter)
    {
        var rootChanges = plan.Steps.Any(s => s.Address.Kind is ResourceKind.Ca or ResourceKind.RootBundle);
        if (rootChanges && plan.UnreadableAgents.Count > 0)
            return $"the plan replaces the CA or root.crt, which would lock out agents {string.Join(", ", plan.UnreadableAgents)} whose files cannot be read " +
                   "(see the warnings); fix those files, or remove the agents from the inventory";
        if (filter.SkippedAgents.Count == 0) return null;
        return rootChanges
            ? $"the plan replaces the CA or root.crt, which would lock out agents {string.Join(", ", filter.SkippedAgents)} on skipped hosts " +
              $"({string.Join(", ", filter.SkippedHosts)}); bring those hosts back, or remove the agents from the inventory"
            : null;
    }
}
