namespace PemCertState.Inventory;

/// <summary>The PEM backend database server: its data directory holds the CA, server and root files.</summary>
/// <param name="Owner">User name that must own the files; null leaves ownership as it is.</param>
/// <param name="BackupDir">Absolute folder that receives backup sets (default: data_dir/certs).</param>
/// <param name="Restart">Shell command run on the server host; null means no restart step is planned.</param>
/// <param name="Database">server.database; null: the database is not observed or changed, restarts are not waited for.</param>
public sealed record ServerSpec(
    string Host,
    string DataDir,
    string? Owner,
    string Subject,
    CertificatePolicy Policy,
    string BackupDir,
    string? Restart,
    DatabaseSpec? Database = null);
