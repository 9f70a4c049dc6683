namespace PemCertState.Inventory;

/// <summary>
/// Where a trusted-CA key waits for its certificate: next to the key it will replace, with ".pending"
/// appended (server.key.pending, agent7.key.pending), so it never replaces the live key before the signed
/// certificate is there; and the name of its certificate request in ca.requests_dir.
/// </summary>
public static class PendingFiles
{
    public const string Suffix = ".pending";

    public static string ServerKey(ServerSpec server) => PemFiles.InDataDir(server, PemFiles.ServerKey) + Suffix;

    /// <summary>agent&lt;ID&gt;.key.pending, or agent.key.pending for the common pair (kept by the first agent that holds it).</summary>
    public static string AgentKey(AgentsSpec agents, AgentSpec agent) => PemFiles.AgentKey(agents, agent) + Suffix;

    /// <summary>web.key_file + .pending, on the web server's host.</summary>
    public static string WebKey(WebSpec web) => web.KeyFile + Suffix;

    /// <summary>web.csr: the web certificate's request, with its subject alternative names.</summary>
    public static string WebRequest(TrustedCaSpec trusted) => Path.Combine(trusted.RequestsDir, "web.csr");

    /// <summary>server.csr, agent&lt;ID&gt;.csr, or the common user's name + .csr.</summary>
    public static string ServerRequest(TrustedCaSpec trusted) => Path.Combine(trusted.RequestsDir, "server.csr");

    public static string AgentRequest(TrustedCaSpec trusted, AgentsSpec agents, AgentSpec agent) =>
        Path.Combine(trusted.RequestsDir, PemFiles.AgentUser(agents, agent) + ".csr");
}
