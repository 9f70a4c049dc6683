using PemCertState.Inventory;

namespace PemCertState.State;

/// <summary>
/// A file a rollback may write: one the inventory manages, in the backup folder that file's applies back up into.
/// Built from <see cref="Inventory.DesiredState"/> only, never from a manifest, which anyone owning the folder can write.
/// </summary>
/// <param name="Addresses">The resource addresses an apply records for this file in a manifest (agent files: the agent's, or the common pair's).</param>
/// <param name="IsKey">A private key: never restored with more than owner read/write, whatever the manifest says.</param>
/// <param name="Owner">The owner the inventory declares for it; null: the inventory leaves ownership as it is.</param>
internal sealed record RestorableFile(string Host, string Path, IReadOnlySet<ResourceAddress> Addresses, bool IsKey, string? Owner);
