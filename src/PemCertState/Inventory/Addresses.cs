namespace PemCertState.Inventory;

/// <summary>The stable resource addresses every output uses (design.md, "Resources, steps and order").</summary>
internal static class Addresses
{
    public const string Ca = "ca";
    public const string ServerCertificate = "server.certificate";
    public const string RootBundle = "server.root_crt";
    public const string RootCrl = "server.root_crl";
    public const string ServerSettings = "server.settings";
    public const string CommonAgentCertificate = "agents.common_certificate";
    public const string ServerRestart = "restart[server]";
    public const string WebCertificate = "web.certificate";
    public const string WebSettings = "web.settings";
    public const string WebRestart = "restart[web]";

    /// <summary>The agent ledger on the server: which certificate each agent holds, so a removed agent can still be revoked.</summary>
    public const string AgentLedger = "agents.ledger";

    /// <summary>pemstate's own state on the server host (server.state_dir): journal, agent ledger, apply lock and backup sets.</summary>
    public const string State = "state";

    /// <summary>What pemstate's interrupted writes left in the managed folders (its private folders, an older pemstate's temp files).</summary>
    public const string Leftovers = "leftovers";

    /// <summary>The restart in the middle of a CA rotation, so that the server trusts the old and the new CA before any agent switches.</summary>
    public const string ServerRestartTrustingBoth = "restart[server, both CAs]";

    /// <summary>The server loads its new SSL files on reload; no connection is dropped.</summary>
    public const string ServerReload = "reload[server]";

    /// <summary>The reload in the middle of a CA rotation, so that the server trusts the old and the new CA before any agent switches.</summary>
    public const string ServerReloadTrustingBoth = "reload[server, both CAs]";

    public static string AgentCertificate(int id) => $"agent[{id}].certificate";
    public static string AgentSettings(int id) => $"agent[{id}].settings";
    public static string AgentRestart(int id) => $"restart[agent {id}]";
    public static string Role(string name) => $"role[{name}]";

    /// <summary>The role name in "role[pem_agent_common_user]", or null for any other address.</summary>
    public static string? RoleName(string address) =>
        address.StartsWith("role[", StringComparison.Ordinal) && address.EndsWith(']') ? address[5..^1] : null;

    /// <summary>The agent a step belongs to: "agent[7].settings" and "restart[agent 7]" -> 7; null for the server's side.</summary>
    public static int? AgentOf(string address)
    {
        if (AgentId(address) is { } id) return id;
        const string prefix = "restart[agent ";
        return address.StartsWith(prefix, StringComparison.Ordinal) && address.EndsWith(']')
            && int.TryParse(address.AsSpan(prefix.Length, address.Length - prefix.Length - 1), out var agent) ? agent : null;
    }

    /// <summary>The agent id in "agent[7].certificate", or null for any other address.</summary>
    public static int? AgentId(string address)
    {
        if (!address.StartsWith("agent[", StringComparison.Ordinal)) return null;
        var end = address.IndexOf(']', StringComparison.Ordinal);
        return end > 6 && int.TryParse(address.AsSpan(6, end - 6), out var id) ? id : null;
    }
}
