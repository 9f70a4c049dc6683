using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using PemCertState.Facts;
using PemCertState.Inventory;

namespace PemCertState.Hosts;

/// <summary>
/// A host whose every operation is logged with its duration (-v), so a slow or failing SSH step can be found:
/// the first operation on an SSH host includes its connect, which <see cref="SshHost"/> logs itself.
/// Logs the path, size and mode of what was read, never its bytes.
/// </summary>
internal sealed class LoggedHost(IHost inner, ILogger logger) : IHost
{
    public string Name => inner.Name;

    public Task<FileSnapshot> ReadAsync(string path, CancellationToken cancellationToken)
        => ReadAsync(path, FileLimits.Managed, cancellationToken);

    public async Task<FileSnapshot> ReadAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        var snapshot = await Timed("read", path, () => inner.ReadAsync(path, maxBytes, cancellationToken), out var watch).ConfigureAwait(false);
        Log.Read(logger, Name, path, snapshot.Exists
            ? $"{(snapshot.Sealed is not null ? "a private key kept on the host" : snapshot.Content.Length.ToString(CultureInfo.InvariantCulture) + " bytes")}, mode {FileModes.Format(snapshot.Mode)}{(snapshot.Owner is { } owner ? ", owner " + owner : "")}"
            : "missing", watch.ElapsedMilliseconds);
        return snapshot;
    }

    public Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, string? owner, CancellationToken cancellationToken) =>
        Changed("wrote", path, () => inner.WriteAtomicAsync(path, content, mode, owner, cancellationToken));

    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken) =>
        Changed($"set mode {FileModes.Format(mode)} on", path, () => inner.SetModeAsync(path, mode, cancellationToken));

    public Task SetOwnerAsync(string path, string owner, CancellationToken cancellationToken) =>
        Changed($"set owner {owner} on", path, () => inner.SetOwnerAsync(path, owner, cancellationToken));

    public Task EnsureDirectoryAsync(string path, UnixFileMode mode, CancellationToken cancellationToken) =>
        Changed("ensured folder", path, () => inner.EnsureDirectoryAsync(path, mode, cancellationToken));

    public async Task<bool> TryCreateExclusiveAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var created = await Timed("create", path, () => inner.TryCreateExclusiveAsync(path, content, mode, cancellationToken), out var watch).ConfigureAwait(false);
        Log.Changed(logger, Name, created ? "created" : "found existing", path, watch.ElapsedMilliseconds);
        return created;
    }

    public Task AppendAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken) =>
        Changed("appended to", path, () => inner.AppendAsync(path, content, mode, cancellationToken));

    public Task DeleteAsync(string path, CancellationToken cancellationToken) =>
        Changed("deleted", path, () => inner.DeleteAsync(path, cancellationToken));

    public async Task<bool> TryDeleteUnchangedAsync(string path, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken)
    {
        var deleted = await Timed("delete", path, () => inner.TryDeleteUnchangedAsync(path, expected, cancellationToken), out var watch).ConfigureAwait(false);
        Log.Changed(logger, Name, deleted ? "deleted" : "kept (changed or missing)", path, watch.ElapsedMilliseconds);
        return deleted;
    }

    public Task DeleteDirectoryAsync(string path, CancellationToken cancellationToken) =>
        Changed("deleted folder", path, () => inner.DeleteDirectoryAsync(path, cancellationToken));

    public async Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var entries = await Timed("list", path, () => inner.ListAsync(path, cancellationToken), out var watch).ConfigureAwait(false);
        Log.Listed(logger, Name, path, entries.Count, watch.ElapsedMilliseconds);
        return entries;
    }

    public Task RemoveLeftoverAsync(string path, LeftoverProof proof, CancellationToken cancellationToken) =>
        Changed("removed leftover", path, () => inner.RemoveLeftoverAsync(path, proof, cancellationToken));

    public void ReadAhead(IReadOnlyList<(string Path, long Limit)> files, IReadOnlyList<string> folders) => inner.ReadAhead(files, folders);

    public void ForgetReadAhead() => inner.ForgetReadAhead();

    public bool KeepsKeys => inner.KeepsKeys;

    public async Task<IReadOnlyList<FileSnapshot>> ReadAllAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var files = await Timed("read", string.Join(", ", paths), () => inner.ReadAllAsync(paths, cancellationToken), out var watch).ConfigureAwait(false);
        foreach (var snapshot in files)
            Log.Read(logger, Name, snapshot.Path, snapshot.Exists ? $"mode {FileModes.Format(snapshot.Mode)} (with {files.Count - 1} more)" : "missing", watch.ElapsedMilliseconds);
        return files;
    }

    public async Task<IReadOnlyList<FileSnapshot>> ReadKnownAsync(IReadOnlyList<string> paths, bool exact, CancellationToken cancellationToken)
    {
        var files = await Timed("recall", string.Join(", ", paths), () => inner.ReadKnownAsync(paths, exact, cancellationToken), out var watch).ConfigureAwait(false);
        foreach (var snapshot in files)
            Log.Read(logger, Name, snapshot.Path, snapshot.Exists ? $"known, mode {FileModes.Format(snapshot.Mode)}" : "known missing", watch.ElapsedMilliseconds);
        return files;
    }

    public Task RunInOrderAsync(IReadOnlyList<FileChange> changes, CancellationToken cancellationToken) =>
        Changed($"made {changes.Count.ToString(CultureInfo.InvariantCulture)} changes in order, the last at", changes.Count == 0 ? "" : changes[^1].Path,
            () => inner.RunInOrderAsync(changes, cancellationToken));

    public async Task<SealedKey> GenerateKeyAsync(string path, KeySpec spec, string? owner, CancellationToken cancellationToken)
    {
        var key = await Timed("generate key", path, () => inner.GenerateKeyAsync(path, spec, owner, cancellationToken), out var watch).ConfigureAwait(false);
        Log.Changed(logger, Name, $"generated a {spec} key at", path, watch.ElapsedMilliseconds);
        return key;
    }

    public Task CopyAsync(string source, string sha256, string destination, UnixFileMode mode, string? owner, CancellationToken cancellationToken) =>
        Changed($"copied {source} to", destination, () => inner.CopyAsync(source, sha256, destination, mode, owner, cancellationToken));

    public async Task<byte[]> SignAsync(string keyPath, string keySha256, ReadOnlyMemory<byte> data, string digest, CancellationToken cancellationToken)
    {
        var signature = await Timed("sign with", keyPath, () => inner.SignAsync(keyPath, keySha256, data, digest, cancellationToken), out var watch).ConfigureAwait(false);
        Log.Changed(logger, Name, $"signed {data.Length.ToString(CultureInfo.InvariantCulture)} bytes ({digest}) with", keyPath, watch.ElapsedMilliseconds);
        return signature;
    }

    public async Task<FileSnapshot> ReadSharedKeyAsync(string path, string sha256, CancellationToken cancellationToken)
    {
        var snapshot = await Timed("read shared key", path, () => inner.ReadSharedKeyAsync(path, sha256, cancellationToken), out var watch).ConfigureAwait(false);
        Log.Read(logger, Name, path, snapshot.Exists ? "shared key, mode " + FileModes.Format(snapshot.Mode) : "missing", watch.ElapsedMilliseconds);
        return snapshot;
    }

    public async Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await Timed("run", command, () => inner.RunAsync(command, timeout, cancellationToken), out var watch).ConfigureAwait(false);
        Log.Ran(logger, Name, command, result.ExitCode, result.TimedOut ? " (timed out, killed)" : "", watch.ElapsedMilliseconds);
        return result;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private async Task Changed(string operation, string path, Func<Task> work)
    {
        await Timed(operation, path, async () => { await work().ConfigureAwait(false); return true; }, out var watch).ConfigureAwait(false);
        Log.Changed(logger, Name, operation, path, watch.ElapsedMilliseconds);
    }

    /// <summary>Runs <paramref name="work"/>, timing it; a failure is logged with its duration and passed on unchanged.</summary>
    private Task<T> Timed<T>(string operation, string path, Func<Task<T>> work, out Stopwatch watch)
    {
        var started = Stopwatch.StartNew();
        watch = started;
        return Run();

        async Task<T> Run()
        {
            try { return await work().ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.Failed(logger, Name, operation, path, started.ElapsedMilliseconds, e.Message);
                throw;
            }
        }
    }
}
