namespace PemCertState.Inventory;

/// <summary>How pemstate reaches the PEM backend database (server.database). The password never sits in the inventory.</summary>
/// <param name="PasswordEnv">Name of the environment variable holding the password; null: no password (trust, peer, .pgpass).</param>
/// <param name="SslMode">libpq's sslmode words: disable, allow, prefer, require, verify-ca, verify-full.</param>
public sealed record DatabaseSpec(
    string Host,
    int Port,
    string Name,
    string User,
    string? PasswordEnv,
    string SslMode)
{
    /// <summary>"user@host:port/name", for messages; never holds the password.</summary>
    public override string ToString() => $"{User}@{Host}:{Port}/{Name}";
}
