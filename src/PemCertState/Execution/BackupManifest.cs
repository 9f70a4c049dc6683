namespace PemCertState.Execution;

/// <summary>manifest.json of a backup set (one per backup folder per apply).</summary>
public sealed record BackupManifest(string Id, DateTimeOffset CreatedAt, string Host, List<BackupManifestEntry> Files);
