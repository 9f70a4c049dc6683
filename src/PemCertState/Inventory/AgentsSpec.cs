namespace PemCertState.Inventory;

/// <summary>The agents to manage. <see cref="List"/> is ordered by id.</summary>
/// <remarks>With <see cref="AgentSource.Database"/>, <see cref="List"/> holds only the agents the inventory lists;
/// Observation.AgentDiscovery replaces it with the active rows of pem.agent before anything is planned.</remarks>
/// <param name="SubjectPrefix">DN without CN (e.g. "/C=IN/O=PEM"); the CN is always the agent's database user.</param>
public sealed record AgentsSpec(
    AgentUserMode User,
    string CommonUser,
    string SubjectPrefix,
    IReadOnlyList<AgentSpec> List,
    AgentSource Source = AgentSource.Inventory,
    AgentDefaults? Defaults = null);
