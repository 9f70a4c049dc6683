namespace PemCertState.Inventory;

/// <summary>The addresses every output uses, by name.</summary>
internal static class Addresses
{
    public static readonly ResourceAddress Ca = ResourceAddress.Of(ResourceKind.Ca);
    public static readonly ResourceAddress ServerCertificate = ResourceAddress.Of(ResourceKind.ServerCertificate);
    public static readonly ResourceAddress RootBundle = ResourceAddress.Of(ResourceKind.RootBundle);
    public static readonly ResourceAddress RootCrl = ResourceAddress.Of(ResourceKind.RootCrl);
    public static readonly ResourceAddress ServerSettings = ResourceAddress.Of(ResourceKind.ServerSettings);
    public static readonly ResourceAddress CommonAgentCertificate = ResourceAddress.Of(ResourceKind.CommonAgentCertificate);
    public static readonly ResourceAddress ServerRestart = ResourceAddress.Of(ResourceKind.ServerRestart);
    public static readonly ResourceAddress WebCertificate = ResourceAddress.Of(ResourceKind.WebCertificate);
    public static readonly ResourceAddress WebSettings = ResourceAddress.Of(ResourceKind.WebSettings);
    public static readonly ResourceAddress WebRestart = ResourceAddress.Of(ResourceKind.WebRestart);

    /// <summary>The agent ledger on the server: which certificate each agent holds, so a removed agent can still be revoked.</summary>
    public static readonly ResourceAddress AgentLedger = ResourceAddress.Of(ResourceKind.AgentLedger);

    /// <summary>pemstate's own state on the server host (server.state_dir): journal, agent ledger, apply lock and backup sets.</summary>
    public static readonly ResourceAddress State = ResourceAddress.Of(ResourceKind.State);

    /// <summary>What pemstate's interrupted writes left in the managed folders (its private folders, an older pemstate's temp files).</summary>
    public static readonly ResourceAddress Leftovers = ResourceAddress.Of(ResourceKind.Leftovers);

    /// <summary>The restart in the middle of a CA rotation, so that the server trusts the old and the new CA before any agent switches.</summary>
    public static readonly ResourceAddress ServerRestartTrustingBoth = ResourceAddress.Of(ResourceKind.ServerRestartTrustingBoth);

    /// <summary>The server loads its new SSL files on reload; no connection is dropped.</summary>
    public static readonly ResourceAddress ServerReload = ResourceAddress.Of(ResourceKind.ServerReload);

    /// <summary>The reload in the middle of a CA rotation, so that the server trusts the old and the new CA before any agent switches.</summary>
    public static readonly ResourceAddress ServerReloadTrustingBoth = ResourceAddress.Of(ResourceKind.ServerReloadTrustingBoth);

    public static ResourceAddress AgentCertificate(int id) => ResourceAddress.OfAgent(ResourceKind.AgentCertificate, id);
    public static ResourceAddress AgentSettings(int id) => ResourceAddress.OfAgent(ResourceKind.AgentSettings, id);
    public static ResourceAddress AgentRestart(int id) => ResourceAddress.OfAgent(ResourceKind.AgentRestart, id);
    public static ResourceAddress Role(string name) => ResourceAddress.OfNamed(ResourceKind.Role, name);
    public static ResourceAddress Job(string name) => ResourceAddress.OfNamed(ResourceKind.Job, name);
}
