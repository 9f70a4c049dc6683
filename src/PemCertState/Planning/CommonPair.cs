using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// agents.user: common: the one pair every agent holds, as its issuer decided it (<see cref="IIssuer.CommonPair"/>): the valid
/// one an agent already holds, or a new one obtained in this apply. <see cref="Plan"/> is the rule for each agent, whichever
/// issuer: keep it while it is that pair, else back it up and install the common pair there.
/// </summary>
/// <param name="Source">The agent holding the valid pair, or <see cref="Addresses.CommonAgentCertificate"/> for a new one.</param>
/// <param name="Sha256">The certificate every agent must hold; null when a new one is obtained in this apply.</param>
/// <param name="NewReason">Why a new one is obtained (every agent's install says it); null when one is kept.</param>
internal sealed record CommonPair(ResourceAddress Source, string? Sha256, string? NewReason)
{
    /// <summary>An agent already holds the valid common pair, with this certificate.</summary>
    public static CommonPair HeldBy(ResourceAddress agent, string sha256) => new(agent, sha256, null);

    /// <summary>No agent holds a valid one: a new pair is obtained, for <paramref name="reason"/>.</summary>
    public static CommonPair New(string reason) => new(Addresses.CommonAgentCertificate, null, reason);

    /// <summary>One agent's lane: its key and certificate are the common pair's. Returns whether they change.</summary>
    public static bool Plan(DesiredState desired, AgentSpec agent, ObservedAgent seen, IIssuer issuer, List<PlanStep> steps)
    {
        var agents = desired.Agents;
        var common = issuer.CommonPair;
        var address = Addresses.AgentCertificate(agent.Id);
        if (common.NewReason is { } reason)
        {
            Planner.AddBackup(address, agent.Host, PemFiles.AgentBackupDir(agent), [seen.Key.File, seen.Certificate.File], reason, steps);
            issuer.PlanCommonInstall(agent, seen, steps);
            return true;
        }
        var differs = common.Source == address ? null
            : !seen.Key.File.Exists || !seen.Certificate.File.Exists ? $"{Planner.Name(seen.Key.File.Exists ? seen.Certificate.File : seen.Key.File)} is missing"
            : seen.Certificate.Summary?.Sha256 != common.Sha256 || seen.Key.PublicKeySha256 != seen.Certificate.Summary?.PublicKeySha256
                ? $"holds a different pair than the common one in {common.Source}"
            : null;
        return Copy(agents, agent, seen, common.Source, differs, steps);
    }

    /// <summary>
    /// An agent holds the pair another agent (or this apply) provides from <paramref name="source"/>. Kept when
    /// <paramref name="reason"/> is null, else backed up and installed from there. Returns whether it changes.
    /// </summary>
    private static bool Copy(AgentsSpec agents, AgentSpec agent, ObservedAgent seen, ResourceAddress source, string? reason, List<PlanStep> steps)
    {
        var address = Addresses.AgentCertificate(agent.Id);
        var files = new[] { seen.Key.File, seen.Certificate.File };
        if (reason is null)
        {
            Planner.PlanModeAndOwner(address, agent.Owner, files, steps);
            return false;
        }
        Planner.AddBackup(address, agent.Host, PemFiles.AgentBackupDir(agent), files, reason, steps);
        steps.Add(new InstallStep(address, agent.Host, reason,
            PemFiles.AgentKey(agents, agent), PemFiles.AgentCertificate(agents, agent), source, Owner: agent.Owner, Before: seen.Certificate.Summary));
        return true;
    }
}
