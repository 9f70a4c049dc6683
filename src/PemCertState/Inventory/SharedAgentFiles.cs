using System.Globalization;

namespace PemCertState.Inventory;

/// <summary>
/// Finds two agents that would own the same file (agent.cfg, key or certificate) on the same machine. Apply works on
/// agents in parallel lanes, each rewriting the file for its own agent, so such a pair never converges: every run
/// finds the file wrong for one of them. Used at load for listed agents, and by discovery for agents built from
/// agents.defaults.
/// </summary>
internal static class SharedAgentFiles
{
    /// <summary>What one agent uses a path for: "agent.cfg", "key" or "certificate".</summary>
    public sealed record Clash(AgentSpec First, string FirstUse, AgentSpec Second, string SecondUse, string Path)
    {
        /// <summary>"agent 2's agent.cfg /etc/agent.cfg on host pem is also agent 1's agent.cfg"; the caller adds where and what to do.</summary>
        public string Describe() =>
            $"agent {Second.Id.ToString(CultureInfo.InvariantCulture)}'s {SecondUse} {Path} on host {Second.Host} is also agent {First.Id.ToString(CultureInfo.InvariantCulture)}'s {FirstUse}";

        /// <summary>Why the pair is refused, for the message.</summary>
        public const string Why = "two agents never converge on one file (each apply rewrites it for the other)";

        /// <summary>The setting that gives each agent its own file.</summary>
        public string Fix =>
            SecondUse == "agent.cfg"
                ? "give each agent its own config, e.g. with {id} in agents.defaults.config"
                : "give each agent its own cert_dir, e.g. with {id} in agents.defaults.cert_dir";
    }

    /// <summary>Each agent that uses a path an earlier agent (in list order) already uses, once per second agent.</summary>
    public static IReadOnlyList<Clash> Find(AgentsSpec agents, IReadOnlyList<AgentSpec> list, IReadOnlyDictionary<string, HostSpec> hosts)
    {
        var owners = new Dictionary<(string Machine, string Path), (AgentSpec Agent, string Use)>();
        var clashes = new List<Clash>();
        // An agent without a declared host is already an error of its own, and names no machine.
        foreach (var agent in list.Where(a => hosts.ContainsKey(a.Host)))
        {
            var machine = Machine(hosts[agent.Host]);
            foreach (var (use, path) in new[] { ("agent.cfg", agent.Config), ("key", PemFiles.AgentKey(agents, agent)), ("certificate", PemFiles.AgentCertificate(agents, agent)) })
            {
                if (owners.TryGetValue((machine, path), out var first) && first.Agent.Id != agent.Id)
                {
                    clashes.Add(new Clash(first.Agent, first.Use, agent, use, path));
                    break; // one clash names the agent; its other files are the same story
                }
                owners.TryAdd((machine, path), (agent, use));
            }
        }
        return clashes;
    }

    /// <summary>
    /// Host names that reach one file system are one machine: every local host is this machine, and SSH hosts with the
    /// same address and port are the same one.
    /// </summary>
    private static string Machine(HostSpec host) =>
        host.Transport == HostTransport.Local
            ? "local"
            : $"ssh:{host.Address?.ToLowerInvariant()}:{host.Port.ToString(CultureInfo.InvariantCulture)}";
}
