namespace PemCertState.Execution;

/// <summary>Who holds the apply lock: enough for a person to find the process and decide.</summary>
public sealed record LockHolder(string User, string Machine, int Pid, DateTimeOffset Started, string Command);
