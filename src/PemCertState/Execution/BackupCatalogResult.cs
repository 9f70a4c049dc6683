using PemCertState.State;
namespace PemCertState.Execution;

/// <summary>What <see cref="BackupCatalog.ListAsync"/> found: the sets that passed every check, the folders refused, and the
/// folders named like a set that have no manifest.</summary>
public sealed record BackupCatalogResult(IReadOnlyList<BackupSet> Sets, IReadOnlyList<RefusedBackup> Refused, IReadOnlyList<IncompleteBackup> Incomplete);
