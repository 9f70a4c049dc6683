namespace PemCertState.State;

/// <summary>One backup folder on one host, as its manifest describes it.</summary>
/// <param name="RollbackOf">The set was made by a rollback to this id (what the rollback replaced). Told by the manifest, so
/// for people only: which set a rollback restores is decided from the journal.</param>
public sealed record BackupSet(string Id, DateTimeOffset CreatedAt, string Host, string Folder, IReadOnlyList<BackupManifestEntry> Files, string? RollbackOf = null);
