namespace PemCertState.Database;

/// <summary>The PEM database could not be reached or refused a command. The message never holds a password.</summary>
public sealed class PemDatabaseException(string message, Exception? inner = null) : Exception(message, inner);
