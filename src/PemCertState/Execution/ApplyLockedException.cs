namespace PemCertState.Execution;

/// <summary>Another apply or rollback holds the lock (or left it behind when it died).</summary>
internal sealed class ApplyLockedException(string message) : Exception(message);
