namespace PemCertState.Hosts;

/// <summary>
/// One machine that holds managed files. Every write is atomic (temp file in the same folder,
/// mode set at creation, fsync, rename) so that a reader sees the old bytes or the new ones, and a
/// key is never readable by others, not even while being written.
/// </summary>
public interface IHost : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Reads a file with its mode and owner. A missing file is a snapshot with Exists = false, not an error.</summary>
    Task<FileSnapshot> ReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>Replaces (or creates) <paramref name="path"/> atomically with <paramref name="content"/>, mode and owner set before the rename.</summary>
    /// <param name="owner">User name; null keeps the owner the new file gets (the caller's user).</param>
    Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, string? owner, CancellationToken cancellationToken);

    Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken);

    Task SetOwnerAsync(string path, string owner, CancellationToken cancellationToken);

    /// <summary>Creates the folder and its parents when missing; new folders get <paramref name="mode"/>.</summary>
    Task EnsureDirectoryAsync(string path, UnixFileMode mode, CancellationToken cancellationToken);

    /// <summary>Runs a shell command (sh -c) and returns its exit status and output.</summary>
    Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken);
}
