using PemCertState.Inventory;

namespace PemCertState.State;

/// <summary>One file in a backup set: where it was, what it was. Enough to restore bytes, mode and owner.</summary>
public sealed record BackupManifestEntry(ResourceAddress Address, string Host, string Path, string BackupFile, string Sha256, string Mode, string? Owner);
