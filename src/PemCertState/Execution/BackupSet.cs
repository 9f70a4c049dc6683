namespace PemCertState.Execution;

/// <summary>One backup folder on one host, as its manifest describes it.</summary>
public sealed record BackupSet(string Id, DateTimeOffset CreatedAt, string Host, string Folder, IReadOnlyList<BackupManifestEntry> Files);
