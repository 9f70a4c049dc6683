namespace PemCertState.Inventory;

/// <summary>The PEM backend database server: its data directory holds the CA, server and root files.</summary>
/// <param name="Owner">User name that must own the files; null leaves ownership as it is.</param>
/// <param name="BackupDir">Absolute folder that receives backup sets (default: state_dir/backups).</param>
/// <param name="StateDir">Absolute folder on the server host for pemstate's own state: journal, agent ledger, apply lock and
/// (by default) the backup sets. Root's alone and never inside data_dir, which the database account owns and
/// pg_basebackup copies (default: /var/lib/pemstate/&lt;host&gt;).</param>
/// <param name="Restart">Shell command run on the server host; null means no restart step is planned. Used only where a
/// reload cannot do (see <see cref="Reload"/>).</param>
/// <param name="Database">server.database; null: the database is not observed or changed, restarts are not waited for.</param>
public sealed record ServerSpec(
    string Host,
    string DataDir,
    string? Owner,
    string Subject,
    CertificatePolicy Policy,
    string BackupDir,
    string StateDir,
    string? Restart,
    DatabaseSpec? Database = null)
{
    /// <summary>
    /// Where a pemstate from before state_dir kept the server's backup sets (data_dir/certs, or backup_dir relative to
    /// data_dir); null when that is <see cref="BackupDir"/> itself (an absolute backup_dir), so there is nothing to move.
    /// </summary>
    public string? LegacyBackupDir { get; init; }

    /// <summary>
    /// How the server loads new SSL files without dropping a connection; null: only by <see cref="Restart"/> (server.reload
    /// is null, or neither it nor server.database is set).
    /// </summary>
    public ServerReload? Reload { get; init; }
}
