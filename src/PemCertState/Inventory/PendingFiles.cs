namespace PemCertState.Inventory;

/// <summary>
/// Where a trusted-CA key waits for its certificate: next to the key it will replace, with ".pending"
/// appended (server.key.pending, agent7.key.pending), so it never replaces the live key before the signed
/// certificate is there; and the name of its certificate request in ca.requests_dir.
/// </summary>
internal static class PendingFiles
{
    public const string Suffix = ".pending";

    public static string ServerKey(ServerSpec server) => PemFiles.InDataDir(server, PemFiles.ServerKey) + Suffix;

    /// <summary>agent&lt;ID&gt;.key.pending, or agent.key.pending for the common pair (kept by the first agent that holds it).</summary>
    public static string AgentKey(AgentsSpec agents, AgentSpec agent) => PemFiles.AgentKey(agents, agent) + Suffix;

    /// <summary>web.key_file + .pending, on the web server's host.</summary>
    public static string WebKey(WebSpec web) => web.KeyFile + Suffix;

    /// <summary>web.csr: the web certificate's request, with its subject alternative names.</summary>
    public static string WebRequest(TrustedCaSpec trusted) => WebRequest(trusted.RequestsDir);

    public static string WebRequest(string requestsDir) => Path.Combine(requestsDir, "web.csr");

    /// <summary>server.csr, agent&lt;ID&gt;.csr, or the common user's name + .csr.</summary>
    public static string ServerRequest(TrustedCaSpec trusted) => ServerRequest(trusted.RequestsDir);

    public static string AgentRequest(TrustedCaSpec trusted, AgentsSpec agents, AgentSpec agent) => AgentRequest(trusted.RequestsDir, agents, agent);

    public static string ServerRequest(string requestsDir) => Path.Combine(requestsDir, "server.csr");

    public static string AgentRequest(string requestsDir, AgentsSpec agents, AgentSpec agent) =>
        Path.Combine(requestsDir, PemFiles.AgentUser(agents, agent) + ".csr");

    /// <summary>ca.requests_dir; with ca.source: self-signed (back from a trusted CA), its default, csr beside the inventory.</summary>
    public static string RequestsDir(DesiredState desired) =>
        desired.Ca.Trusted?.RequestsDir ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(desired.SourcePath))!, "csr");

    /// <summary>The request written for a certificate address (server.certificate, agent[7].certificate, agents.common_certificate).</summary>
    public static string? Request(DesiredState desired, ResourceAddress address)
    {
        var folder = RequestsDir(desired);
        if (address == Inventory.Addresses.ServerCertificate) return ServerRequest(folder);
        if (address == Inventory.Addresses.WebCertificate) return WebRequest(folder);
        if (address == Inventory.Addresses.CommonAgentCertificate)
            return desired.Agents.List.Count > 0 ? AgentRequest(folder, desired.Agents, desired.Agents.List[0]) : null;
        return address is { IsAgentFile: true, Agent: { } id } && desired.Agents.List.FirstOrDefault(a => a.Id == id) is { } agent
            ? AgentRequest(folder, desired.Agents, agent) : null;
    }
}
