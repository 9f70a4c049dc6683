namespace PemCertState.Observation;

/// <summary>The agent ledger and, with agents.revoke_removed, the files of every ledger agent that is no longer managed.</summary>
/// <param name="Ledger">Null when the file is missing or unreadable (<see cref="Error"/> says which).</param>
/// <param name="Retiring">Ledger agents outside the managed set, each with its files read where its host is part of this run.</param>
public sealed record ObservedLedger(FileFacts File, AgentLedger? Ledger, string? Error, IReadOnlyList<ObservedRetiring> Retiring);
