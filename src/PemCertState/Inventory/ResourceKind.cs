namespace PemCertState.Inventory;

/// <summary>What kind of resource a <see cref="ResourceAddress"/> names.</summary>
public enum ResourceKind
{
    /// <summary>No resource: what a default <see cref="ResourceAddress"/> holds, so an unset one is never taken for the CA.</summary>
    None,
    Ca,
    ServerCertificate,
    RootBundle,
    RootCrl,
    ServerSettings,
    CommonAgentCertificate,
    AgentLedger,
    State,
    Leftovers,
    ServerRestart,
    ServerRestartTrustingBoth,
    ServerReload,
    ServerReloadTrustingBoth,
    WebCertificate,
    WebSettings,
    WebRestart,
    AgentCertificate,
    AgentSettings,
    AgentRestart,
    Role,

    /// <summary>One of PEM's scheduled jobs in the database, by name.</summary>
    Job,
}
