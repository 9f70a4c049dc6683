using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Tests.Support;

/// <summary>
/// A host that calls <c>after</c> with each write ("write") or delete ("delete") and its path once it has happened, the moment
/// a reader could look. <c>after</c> may throw: the caller then stops right there, as a kill after that operation would stop it.
/// </summary>
internal sealed class WatchedHost(IHost inner, Action<string, string> after) : IHost
{
    public string Name => inner.Name;

    public Task<FileSnapshot> ReadAsync(string path, CancellationToken ct) => inner.ReadAsync(path, ct);

    public Task<FileSnapshot> ReadAsync(string path, long maxBytes, CancellationToken ct) => inner.ReadAsync(path, maxBytes, ct);

    public async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, string? owner, CancellationToken ct)
    {
        await inner.WriteAtomicAsync(path, content, mode, owner, ct);
        after("write", path);
    }

    public async Task DeleteAsync(string path, CancellationToken ct)
    {
        await inner.DeleteAsync(path, ct);
        after("delete", path);
    }

    public Task<bool> TryDeleteUnchangedAsync(string path, ReadOnlyMemory<byte> expected, CancellationToken ct) => inner.TryDeleteUnchangedAsync(path, expected, ct);
    public Task RemoveLeftoverAsync(string path, LeftoverProof proof, CancellationToken ct) => inner.RemoveLeftoverAsync(path, proof, ct);
    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken ct) => inner.SetModeAsync(path, mode, ct);
    public Task SetOwnerAsync(string path, string owner, CancellationToken ct) => inner.SetOwnerAsync(path, owner, ct);
    public Task EnsureDirectoryAsync(string path, UnixFileMode mode, CancellationToken ct) => inner.EnsureDirectoryAsync(path, mode, ct);
    public Task<bool> TryCreateExclusiveAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken ct) => inner.TryCreateExclusiveAsync(path, content, mode, ct);
    public Task AppendAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken ct) => inner.AppendAsync(path, content, mode, ct);
    public Task DeleteDirectoryAsync(string path, CancellationToken ct) => inner.DeleteDirectoryAsync(path, ct);
    public Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken ct) => inner.ListAsync(path, ct);
    public void ReadAhead(IReadOnlyList<(string Path, long Limit)> files, IReadOnlyList<string> folders) => inner.ReadAhead(files, folders);
    public void ForgetReadAhead() => inner.ForgetReadAhead();
    public bool KeepsKeys => inner.KeepsKeys;
    public Task<IReadOnlyList<FileSnapshot>> ReadAllAsync(IReadOnlyList<string> paths, CancellationToken ct) => inner.ReadAllAsync(paths, ct);
    public Task<IReadOnlyList<FileSnapshot>> ReadKnownAsync(IReadOnlyList<string> paths, bool exact, CancellationToken ct) => inner.ReadKnownAsync(paths, exact, ct);
    /// <summary>One by one through this host, so that <c>after</c> sees each change as it lands, as a kill between them would.</summary>
    public async Task RunInOrderAsync(IReadOnlyList<FileChange> changes, CancellationToken ct)
    {
        foreach (var change in changes) await change.ApplyAsync(this, ct);
    }
    public async Task<SealedKey> GenerateKeyAsync(string path, KeySpec spec, string? owner, CancellationToken ct)
    {
        var key = await inner.GenerateKeyAsync(path, spec, owner, ct);
        after("write", path);
        return key;
    }
    public async Task CopyAsync(string source, string sha256, string destination, UnixFileMode mode, string? owner, CancellationToken ct)
    {
        await inner.CopyAsync(source, sha256, destination, mode, owner, ct);
        after("write", destination);
    }
    public Task<byte[]> SignAsync(string keyPath, string keySha256, ReadOnlyMemory<byte> data, string digest, CancellationToken ct) => inner.SignAsync(keyPath, keySha256, data, digest, ct);
    public Task<FileSnapshot> ReadSharedKeyAsync(string path, string sha256, CancellationToken ct) => inner.ReadSharedKeyAsync(path, sha256, ct);
    public Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct) => inner.RunAsync(command, timeout, ct);
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
