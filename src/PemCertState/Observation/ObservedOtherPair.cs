namespace PemCertState.Observation;

/// <summary>
/// An agent's key and certificate under the other agents.user mode's names (agent.key/agent.crt in per-agent mode,
/// agent&lt;ID&gt;.key/.crt in common mode): what a change of mode leaves behind, still valid, unless the plan revokes and
/// removes it.
/// </summary>
public sealed record ObservedOtherPair(ObservedKey Key, ObservedCertificate Certificate);
