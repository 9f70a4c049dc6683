namespace PemCertState.Execution;

/// <summary>A step could not be carried out for a reason outside pemstate (a restart command failed, a file could not be written).</summary>
internal sealed class StepFailedException(string message, Exception? inner = null) : Exception(message, inner);
