namespace PemCertState.Inventory;

/// <summary>
/// How the server is made to load new SSL files without a restart. PostgreSQL 10 and later re-read every SSL file and
/// setting on reload (SIGHUP); a reload drops no connection, a restart drops all of them.
/// </summary>
/// <param name="Command">server.reload: a shell command on the server host (pg_ctl reload, systemctl reload ...); null:
/// <c>SELECT pg_reload_conf()</c> over server.database, the default when there is a database connection.</param>
public sealed record ServerReload(string? Command)
{
    public const string OverDatabase = "SELECT pg_reload_conf() over server.database";

    /// <summary>What a plan shows it runs.</summary>
    public override string ToString() => Command ?? OverDatabase;
}
