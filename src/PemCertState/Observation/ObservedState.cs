namespace PemCertState.Observation;

/// <summary>What is true on the hosts now. Holds private keys in memory for the executor; no renderer may touch them.</summary>
public sealed record ObservedState(ObservedServer Server, IReadOnlyDictionary<int, ObservedAgent> Agents);
