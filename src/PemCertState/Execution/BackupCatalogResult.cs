namespace PemCertState.Execution;

/// <summary>What <see cref="BackupCatalog.ListAsync"/> found: the sets that passed every check, and the folders refused.</summary>
public sealed record BackupCatalogResult(IReadOnlyList<BackupSet> Sets, IReadOnlyList<RefusedBackup> Refused);
