namespace PemCertState.Inventory;

/// <summary>How pemstate reaches the PEM backend database (server.database). The password never sits in the inventory.</summary>
/// <param name="PasswordEnv">Name of the environment variable holding the password; null: no password (trust, peer, .pgpass).</param>
/// <param name="SslMode">libpq's sslmode words: disable, allow, prefer, require, verify-ca, verify-full (the default).</param>
/// <param name="SslRootCert">
/// A file on this machine with the CA certificate(s) the server's certificate must come from; null: the CA pemstate
/// manages for the server (root.crt and ca_certificate.crt in the data dir, and the trusted CA's bundle).
/// </param>
public sealed record DatabaseSpec(
    string Host,
    int Port,
    string Name,
    string User,
    string? PasswordEnv,
    string SslMode,
    string? SslRootCert = null)
{
    public const string DefaultSslMode = "verify-full";

    /// <summary>
    /// A unix socket folder: the connection never leaves the server host and the kernel vouches for the peer, so TLS
    /// adds nothing (libpq ignores sslmode there too).
    /// </summary>
    public bool IsUnixSocket => Host.StartsWith('/');

    /// <summary>TCP with verify-ca or verify-full: the server's certificate is checked before the login is sent.</summary>
    public bool Verifies => !IsUnixSocket && SslMode is "verify-ca" or "verify-full";

    /// <summary>
    /// TCP with a mode that logs in to whatever answers on the address (disable, allow, prefer, require): only when
    /// the inventory says so, and plan warns about it on every run.
    /// </summary>
    public bool Unverified => !IsUnixSocket && !Verifies;

    /// <summary>"user@host:port/name", for messages; never holds the password.</summary>
    public override string ToString() => $"{User}@{Host}:{Port}/{Name}";
}
