namespace PemCertState.Observation;

/// <param name="Unreadable">Why one of the agent's files could not be read (a FIFO or a link at its path, no permission), or
/// null. Such an agent's key, certificate and settings are then unknown (shown as missing): the planner leaves the agent
/// out with a warning, status shows it unreadable and verify reports it; nothing acts on it.</param>
public sealed record ObservedAgent(int Id, ObservedKey Key, ObservedCertificate Certificate, ObservedConfig Settings, string? Unreadable = null)
{
    /// <summary>The pair under the other agents.user mode's names; null when neither file is there or they could not be read.</summary>
    public ObservedOtherPair? OtherMode { get; init; }
}
