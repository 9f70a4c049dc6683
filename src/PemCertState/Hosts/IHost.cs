namespace PemCertState.Hosts;

/// <summary>
/// One machine that holds managed files. Every write is atomic (temp file in the same folder,
/// mode set at creation, fsync, rename) so that a reader sees the old bytes or the new ones, and a
/// key is never readable by others, not even while being written.
/// </summary>
public interface IHost : IAsyncDisposable
{
    string Name { get; }

    /// <summary>
    /// Reads a file with its mode and owner, and what interrupted writes left in its folder (<see cref="FileSnapshot.Leftovers"/>).
    /// A missing file is a snapshot with Exists = false, not an error. A file larger than <see cref="FileLimits.Managed"/> is refused.
    /// </summary>
    Task<FileSnapshot> ReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="ReadAsync(string, CancellationToken)"/> with the bound <paramref name="maxBytes"/> (clamped to
    /// <see cref="FileLimits.State"/>): pemstate's own state files, which grow with the fleet, pass <see cref="FileLimits.State"/>.
    /// </summary>
    Task<FileSnapshot> ReadAsync(string path, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Replaces (or creates) <paramref name="path"/> atomically with <paramref name="content"/>, mode and owner set before the rename.</summary>
    /// <param name="owner">User name; null keeps the owner the new file gets (the caller's user).</param>
    Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, string? owner, CancellationToken cancellationToken);

    Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken);

    Task SetOwnerAsync(string path, string owner, CancellationToken cancellationToken);

    /// <summary>Creates the folder and its parents when missing; new folders get <paramref name="mode"/>.</summary>
    Task EnsureDirectoryAsync(string path, UnixFileMode mode, CancellationToken cancellationToken);

    /// <summary>
    /// Creates <paramref name="path"/> with all of <paramref name="content"/> at once, only if it does not exist; false when
    /// it already exists. Nobody ever sees it partly written (written aside, then linked to its name). Used for the apply lock.
    /// </summary>
    Task<bool> TryCreateExclusiveAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken);

    /// <summary>Appends and flushes to disk, creating the file with <paramref name="mode"/> when missing. Used for the journal.</summary>
    Task AppendAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken);

    /// <summary>Removes a file; a missing file is not an error.</summary>
    Task DeleteAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Removes <paramref name="path"/> only if what is there when it is taken away holds exactly <paramref name="expected"/>;
    /// false, and the file left in place, when it is missing or holds anything else. Breaking and releasing the apply lock:
    /// never another run's.
    /// </summary>
    Task<bool> TryDeleteUnchangedAsync(string path, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken);

    /// <summary>Removes a folder and everything in it (pruning a backup set the user asked to delete); missing is not an error.</summary>
    Task DeleteDirectoryAsync(string path, CancellationToken cancellationToken);

    /// <summary>Names of the entries (files and folders) directly in <paramref name="path"/>; empty when the folder is missing.</summary>
    Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the leftover at <paramref name="path"/> only while it is what <paramref name="proof"/> says, checked on
    /// descriptors held from its folder down and removed by unlinkat in them: anything else refuses, removing nothing. A
    /// private folder's files go before the folder, so a failure leaves at most an empty folder of pemstate's. Missing is
    /// not an error.
    /// </summary>
    Task RemoveLeftoverAsync(string path, LeftoverProof proof, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a shell command (sh -c) and returns its exit status and (bounded) output. Past <paramref name="timeout"/> the
    /// command and every process it started are killed and the result says <see cref="CommandResult.TimedOut"/>; a
    /// background child left running after the shell exits neither delays the result nor is killed.
    /// </summary>
    Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken);
}
