namespace PemCertState.Inventory;

/// <summary>One PEM agent with every default resolved.</summary>
/// <param name="CertDir">Absolute folder holding the agent's key and certificate (backups go to CertDir/certs).</param>
/// <param name="Config">Absolute path of the agent's agent.cfg.</param>
public sealed record AgentSpec(
    int Id,
    string Host,
    string CertDir,
    string Config,
    string? Owner,
    string? Restart,
    CertificatePolicy Policy);
