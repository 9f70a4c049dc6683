namespace PemCertState.Inventory;

/// <summary>The file names PEM uses (reference/pem-domain-facts.md), resolved for one inventory.</summary>
public static class PemFiles
{
    public const string CaKey = "ca_key.key";
    public const string CaCertificate = "ca_certificate.crt";
    public const string RootBundle = "root.crt";
    public const string RootCrl = "root.crl";
    public const string ServerKey = "server.key";
    public const string ServerCertificate = "server.crt";
    public const string PostgresqlConf = "postgresql.conf";

    public static string InDataDir(ServerSpec server, string file) => Path.Combine(server.DataDir, file);

    /// <summary>agent&lt;ID&gt; per agent, or the common user's name: the CN and the database role.</summary>
    public static string AgentUser(AgentsSpec agents, AgentSpec agent) =>
        agents.User == AgentUserMode.Common ? agents.CommonUser : $"agent{agent.Id}";

    /// <summary>agent&lt;ID&gt;.key per agent; agent.key for the common pair (EDB's name for it).</summary>
    public static string AgentKey(AgentsSpec agents, AgentSpec agent) => AgentKey(agents, agent.Id, agent.CertDir);

    public static string AgentCertificate(AgentsSpec agents, AgentSpec agent) => AgentCertificate(agents, agent.Id, agent.CertDir);

    /// <summary>The key of agent <paramref name="id"/> in <paramref name="certDir"/>, also for an agent the inventory no longer lists.</summary>
    public static string AgentKey(AgentsSpec agents, int id, string certDir) =>
        Path.Combine(certDir, (agents.User == AgentUserMode.Common ? "agent" : $"agent{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}") + ".key");

    public static string AgentCertificate(AgentsSpec agents, int id, string certDir) =>
        Path.Combine(certDir, (agents.User == AgentUserMode.Common ? "agent" : $"agent{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}") + ".crt");

    public static string AgentSubject(AgentsSpec agents, AgentSpec agent) => $"{agents.SubjectPrefix}/CN={AgentUser(agents, agent)}";

    public static string AgentBackupDir(AgentSpec agent) => AgentBackupDir(agent.CertDir);

    public static string AgentBackupDir(string certDir) => Path.Combine(certDir, "certs");
}
