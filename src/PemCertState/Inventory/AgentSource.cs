namespace PemCertState.Inventory;

/// <summary>Where the list of agents comes from. Database: the active rows of pem.agent, known only after observation.</summary>
public enum AgentSource { Inventory, Database }
