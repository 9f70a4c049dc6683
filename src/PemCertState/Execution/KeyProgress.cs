namespace PemCertState.Execution;

/// <summary>Progress of the parallel key generation that precedes the writes.</summary>
public sealed record KeyProgress(int Done, int Total);
