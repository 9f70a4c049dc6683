namespace PemCertState.Inventory;

/// <summary>The agents to manage. <see cref="List"/> is ordered by id.</summary>
/// <remarks>With <see cref="AgentSource.Database"/>, <see cref="List"/> holds only the agents the inventory lists;
/// Observation.AgentDiscovery replaces it with the active rows of pem.agent before anything is planned.</remarks>
/// <param name="SubjectPrefix">DN without CN (e.g. "/C=IN/O=PEM"); the CN is always the agent's database user.</param>
/// <param name="RevokeRemoved">agents.revoke_removed: an agent pemstate issued to (its ledger) that is no longer managed is
/// revoked in root.crl, and its key and certificate are backed up and removed.</param>
public sealed record AgentsSpec(
    AgentUserMode User,
    string CommonUser,
    string SubjectPrefix,
    IReadOnlyList<AgentSpec> List,
    AgentSource Source = AgentSource.Inventory,
    AgentDefaults? Defaults = null,
    bool RevokeRemoved = false)
{
    /// <summary>agents.spread: each agent's certificate validity is shortened by <see cref="SpreadFor"/>, from 0 up to this.</summary>
    public TimeSpan Spread { get; init; }

    /// <summary>
    /// How much shorter agent <paramref name="id"/>'s certificate is made: whole days in [0, spread], the same for the
    /// same id on every run (a hash of the id, not a random draw), so a plan stays reproducible and agents issued
    /// together expire on different days.
    /// </summary>
    public TimeSpan SpreadFor(int id)
    {
        var days = (long)Spread.TotalDays;
        if (days <= 0) return TimeSpan.Zero;
        var mixed = unchecked((uint)id * 2654435761u);
        return TimeSpan.FromDays(mixed % (days + 1));
    }

    // One shared empty set each, so that two specs without them stay equal (record equality compares set references).
    private static readonly IReadOnlySet<int> NoIds = new HashSet<int>();
    private static readonly IReadOnlySet<string> NoHosts = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Ids whose pem.agent row says active = false (discovery), to tell "inactive" from "gone" in a revocation's reason.</summary>
    public IReadOnlySet<int> Inactive { get; init; } = NoIds;

    /// <summary>
    /// agents.list as the inventory gives it, before discovery keeps only the active agents: where an agent that left the
    /// managed set (inactive in pem.agent) keeps its files, so that its ledger entry is checked against the inventory.
    /// </summary>
    public IReadOnlyList<AgentSpec> Declared { get; init; } = [];

    /// <summary>agents.defaults.cert_dir (the built-in /root/.pem when unset), absolute, "{id}" still in it.</summary>
    public string DefaultCertDir { get; init; } = "/root/.pem";

    /// <summary>The cert_dir the defaults give agent <paramref name="id"/>, for an agent the inventory no longer lists.</summary>
    public string DefaultCertDirFor(int id) => DefaultCertDir.Replace("{id}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>Agents left out of this run by --skip-host: still wanted, so never revoked.</summary>
    public IReadOnlySet<int> LeftOut { get; init; } = NoIds;

    /// <summary>Hosts left out of this run by --skip-host: a retired agent there is left for a run that can reach it.</summary>
    public IReadOnlySet<string> SkippedHosts { get; init; } = NoHosts;
}
