using System.Globalization;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// Each agent's lane, whichever CA issues: its pair (<see cref="PairReconciler"/>, or the common one, <see cref="CommonPair"/>),
/// agent.cfg, the restart when either changed (or one is owed), then the files it no longer uses.
/// </summary>
internal static class AgentReconciler
{
    /// <summary>Every agent's lane, in the inventory's order. Returns the agents whose changes need a restart by hand (no restart command).</summary>
    public static List<int> Plan(DesiredState desired, ObservedState observed, IIssuer issuer, IReadOnlySet<ResourceAddress> pending, List<PlanStep> steps, List<string> warnings)
    {
        var agents = desired.Agents;
        var inUse = Planner.AgentFilesInUse(agents);
        var byHand = new List<int>();
        foreach (var agent in agents.List)
        {
            var seen = observed.Agents[agent.Id];
            var changed = agents.User == AgentUserMode.Common
                ? CommonPair.Plan(desired, agent, seen, issuer, steps)
                : PairReconciler.Plan(PairResource.Agent(desired, agent, seen), issuer, steps);
            changed |= PlanSettings(agents, agent, seen.Settings, steps);
            var owed = pending.Contains(Addresses.AgentRestart(agent.Id));
            if ((changed || owed) && agent.Restart is not null)
                steps.Add(new RestartStep(Addresses.AgentRestart(agent.Id), agent.Host, changed ? "the agent reads its certificate and agent.cfg only when it starts" : OwedRestarts.Why, agent.Restart));
            else if (changed) byHand.Add(agent.Id);
            Planner.PlanAbandonedFiles(agents, agent, issuer.Abandoned, agent.Restart is not null || !(changed || owed), inUse, steps, warnings);
        }
        return byHand;
    }

    /// <summary>agent.cfg: agent_user, agent_ssl_key and agent_ssl_crt (and agent_id in a new file), edited in place. Returns whether it changes.</summary>
    internal static bool PlanSettings(AgentsSpec agents, AgentSpec agent, ObservedConfig seen, List<PlanStep> steps)
    {
        var want = new List<(string Name, string Value)>
        {
            ("agent_user", PemFiles.AgentUser(agents, agent)),
            ("agent_ssl_key", PemFiles.AgentKey(agents, agent)),
            ("agent_ssl_crt", PemFiles.AgentCertificate(agents, agent)),
        };
        if (!seen.File.Exists) want.Insert(0, ("agent_id", agent.Id.ToString(CultureInfo.InvariantCulture)));
        var configDir = Path.GetDirectoryName(agent.Config) ?? "/";
        var changes = want
            .Select(w => (w, have: seen.Settings.GetValueOrDefault(w.Name)))
            .Where(x => x.have is null || (x.have != x.w.Value && !(x.w.Name != "agent_user" && Planner.SamePath(configDir, x.have, x.w.Value))))
            .Select(x => new SettingChange(x.w.Name, x.have, x.w.Value))
            .ToList();
        if (changes.Count == 0) return false;

        var reason = seen.File.Exists
            ? string.Join("; ", changes.Select(c => c.Describe()))
            : "agent.cfg is missing; it is created with the agent's settings";
        Planner.AddBackup(Addresses.AgentSettings(agent.Id), agent.Host, PemFiles.AgentBackupDir(agent), [seen.File], reason, steps);
        steps.Add(new EditSettingsStep(Addresses.AgentSettings(agent.Id), agent.Host, reason, seen.File.Path, changes, ConfigFormat.AgentCfg));
        return true;
    }
}
