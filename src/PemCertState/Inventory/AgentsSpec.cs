namespace PemCertState.Inventory;

/// <summary>The agents to manage. <see cref="List"/> is ordered by id.</summary>
/// <param name="SubjectPrefix">DN without CN (e.g. "/C=IN/O=PEM"); the CN is always the agent's database user.</param>
public sealed record AgentsSpec(
    AgentUserMode User,
    string CommonUser,
    string SubjectPrefix,
    IReadOnlyList<AgentSpec> List);
