using PemCertState.Facts;
using PemCertState.Inventory;

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

    /// <summary>
    /// <see cref="ReadAsync(string, CancellationToken)"/> of each path, answered in their order; over SSH in one round trip.
    /// The first path that fails fails the call.
    /// </summary>
    Task<IReadOnlyList<FileSnapshot>> ReadAllAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken);

    /// <summary>
    /// The files as this host last read them (since its last <see cref="ReadAhead"/>) or wrote them itself, asked again, in one
    /// round trip, only for those it does not know. For a caller that does not rely on the answer being current: a config
    /// edit whose write carries the hash it was made from (<see cref="FileChange.Write.Expected"/>, which the host checks), or
    /// what a restart is about to load (a stale answer owes one restart more at the next run, never one fewer). Key bytes
    /// are never kept: a key written here is known by its hash. A command run on the host forgets everything.
    /// A host whose reads are cheap (local) reads them all.
    /// </summary>
    /// <param name="exact">Mode and owner must be as the host has them (a config about to be rewritten with them): a file
    /// written without naming its owner is read again.</param>
    Task<IReadOnlyList<FileSnapshot>> ReadKnownAsync(IReadOnlyList<string> paths, bool exact, CancellationToken cancellationToken);

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
    /// Asks now, in one round trip where that is what costs (SSH), for the files and folder listings an observation is about
    /// to look at: until <see cref="ForgetReadAhead"/>, a read of one of those files with the same bound, or a list of one of
    /// those folders, is answered from that one batch, as it was at that moment. Anything else is read as usual. A host
    /// whose reads are cheap (local) ignores it.
    /// </summary>
    void ReadAhead(IReadOnlyList<(string Path, long Limit)> files, IReadOnlyList<string> folders);

    /// <summary>Ends <see cref="ReadAhead"/>: every later read goes to the host again (an apply's steps read what is there now).</summary>
    void ForgetReadAhead();

    /// <summary>
    /// True when private keys are made, copied and signed with on the host itself and never cross to pemstate (a host reached
    /// over SSH): a read of a key file answers with <see cref="FileSnapshot.Sealed"/> instead of its bytes, and pemstate uses
    /// <see cref="GenerateKeyAsync"/>, <see cref="CopyAsync"/> and <see cref="SignAsync"/> there. False for the machine
    /// pemstate runs on, where keys are made in process (in parallel on its cores).
    /// </summary>
    bool KeepsKeys { get; }

    /// <summary>
    /// Makes a new private key on the host (its own OpenSSL where <see cref="KeepsKeys"/>) and writes it at
    /// <paramref name="path"/> as <see cref="WriteAtomicAsync"/> writes any key (mode 0600 from creation, owner set, renamed
    /// into place), its folder made first (0700) when missing; returns its hash and public half.
    /// </summary>
    Task<SealedKey> GenerateKeyAsync(string path, KeySpec spec, string? owner, CancellationToken cancellationToken);

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> on the host, only while the source still holds what
    /// pemstate saw (<paramref name="sha256"/>), written as <see cref="WriteAtomicAsync"/> writes. The bytes never leave the host.
    /// </summary>
    Task CopyAsync(string source, string sha256, string destination, UnixFileMode mode, string? owner, CancellationToken cancellationToken);

    /// <summary>
    /// Signs <paramref name="data"/> (a certificate's or CRL's to-be-signed bytes) with the private key at
    /// <paramref name="keyPath"/>, only while that file still holds what pemstate saw (<paramref name="keySha256"/>):
    /// PKCS#1 v1.5 for RSA, a DER ECDSA-Sig-Value for EC. <paramref name="digest"/> is sha256, sha384 or sha512.
    /// </summary>
    Task<byte[]> SignAsync(string keyPath, string keySha256, ReadOnlyMemory<byte> data, string digest, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="ReadAsync(string, CancellationToken)"/> with a private key's bytes even where <see cref="KeepsKeys"/>. Only
    /// for PEM's common-user mode, whose one key every agent holds: sharing it means moving it.
    /// </summary>
    /// <remarks>Only the key pemstate observed (<paramref name="sha256"/>), in a file with no other name: the host refuses anything else before it sends a byte.</remarks>
    Task<FileSnapshot> ReadSharedKeyAsync(string path, string sha256, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="changes"/> in order, each as its own method would, stopping at the first that fails (whose
    /// error is thrown; the later ones are not made). Over SSH they go in one round trip; a kill part-way leaves what a
    /// kill between the same calls one by one would.
    /// </summary>
    Task RunInOrderAsync(IReadOnlyList<FileChange> changes, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a shell command (sh -c) and returns its exit status and (bounded) output. Past <paramref name="timeout"/> the
    /// command and every process it started are killed and the result says <see cref="CommandResult.TimedOut"/>; a
    /// background child left running after the shell exits neither delays the result nor is killed.
    /// </summary>
    Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken);
}
