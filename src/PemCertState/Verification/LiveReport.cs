namespace PemCertState.Verification;

/// <summary>What `verify --connect` found: every agent's login, and findings for the failures and the server's certificate.</summary>
public sealed record LiveReport(IReadOnlyList<AgentLogin> Logins, IReadOnlyList<Finding> Findings);
