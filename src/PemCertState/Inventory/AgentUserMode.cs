namespace PemCertState.Inventory;

/// <summary>PerAgent: one certificate per agent, CN=agent&lt;ID&gt;. Common: one pair shared by every agent.</summary>
public enum AgentUserMode { PerAgent, Common }
