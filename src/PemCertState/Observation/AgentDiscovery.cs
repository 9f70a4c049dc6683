using PemCertState.Database;
using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>
/// agents.discover: database. Reads the active ids from pem.agent (the only I/O), then <see cref="Resolve"/>
/// builds the final agent list, so that the planner keeps planning from a plain DesiredState and never
/// learns where the list came from.
/// </summary>
internal static class AgentDiscovery
{
    /// <param name="hosts">For the server's root.crt: discovery runs before observation, and verifies the database with it too.</param>
    public static async Task<Discovery> DiscoverAsync(DesiredState desired, HostSet hosts, CancellationToken cancellationToken)
    {
        if (desired.Agents.Source != AgentSource.Database || desired.Server.Database is not { } spec)
            return new Discovery(desired, [], []);
        IReadOnlyList<int> active;
        IReadOnlyList<int> inactive;
        ServerTrust trust;
        try
        {
            trust = await DatabaseObserver.TrustAsync(desired, hosts[desired.Server.Host], null, cancellationToken).ConfigureAwait(false);
        }
        catch (HostOperationException e)
        {
            return new Discovery(null, [$"agents.discover: database: cannot read the server's root.crt to verify the database with: {e.Message}; the agents to manage are not known"], []);
        }
        try
        {
            await using var database = await PemDatabase.OpenAsync(spec, trust, cancellationToken).ConfigureAwait(false);
            active = await database.ActiveAgentIdsAsync(cancellationToken).ConfigureAwait(false);
            inactive = await database.InactiveAgentIdsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PemDatabaseException e)
        {
            return new Discovery(null, [$"agents.discover: database: {e.Message}; the agents to manage are not known"], []);
        }
        return Resolve(desired, active, inactive);
    }

    /// <summary>The active agents, each with its inventory entry or the defaults. Pure.</summary>
    /// <param name="inactiveIds">Rows with active = false; kept on the result so that a revocation can say why.</param>
    public static Discovery Resolve(DesiredState desired, IReadOnlyList<int> activeIds, IReadOnlyList<int>? inactiveIds = null)
    {
        var agents = desired.Agents;
        var listed = agents.List.ToDictionary(a => a.Id);
        var errors = new List<string>();
        var notes = new List<string>();
        var resolved = new List<AgentSpec>();
        foreach (var id in activeIds.Distinct().Order())
        {
            if (listed.TryGetValue(id, out var agent)) resolved.Add(agent);
            else if (agents.Defaults?.For(id) is { } fromDefaults)
            {
                // The loader refuses control characters in agents.defaults; this holds the agent built here to the same
                // rule, so that no path from discovery can ever add a line to agent.cfg.
                if (Unprintable(fromDefaults) is { } problem) errors.Add($"agent {id} (from agents.defaults): {problem}; it is not managed");
                else resolved.Add(fromDefaults);
            }
            else errors.Add($"agent {id} is active in pem.agent but has no host: add {{ id: {id}, host: <name> }} to agents.list or set agents.defaults.host");
        }
        var active = activeIds.ToHashSet();
        foreach (var agent in agents.List.Where(a => !active.Contains(a.Id)))
            notes.Add($"agent {agent.Id} is listed in the inventory but not active in pem.agent; it is not managed"
                + (agents.RevokeRemoved ? " (agents.revoke_removed: its certificate is revoked if pemstate issued it)" : ""));
        // Listed agents were checked at load; an agent built from agents.defaults can land on a listed agent's files
        // (or another default one's, when a path lacks {id}), which is only known now that pem.agent gave the ids.
        foreach (var clash in SharedAgentFiles.Find(agents, resolved, desired.Hosts))
            errors.Add($"agents from pem.agent: {clash.Describe()}; {SharedAgentFiles.Clash.Why}: {clash.Fix}");
        if (errors.Count > 0) return new Discovery(null, errors, notes);
        var inactive = (inactiveIds ?? []).Where(id => !active.Contains(id)).ToHashSet();
        return new Discovery(desired with { Agents = agents with { List = resolved, Inactive = inactive } }, [], notes);
    }

    private static string? Unprintable(AgentSpec agent)
    {
        foreach (var (name, value) in new[] { ("cert_dir", agent.CertDir), ("config", agent.Config), ("owner", agent.Owner), ("restart", agent.Restart) })
            if (ControlCharacters.Find(value) is { } found)
                return $"its {name} {found}";
        return null;
    }
}
