using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using PemCertState.Facts;

namespace PemCertState.Hosts;

/// <summary>The machine pemstate runs on.</summary>
/// <param name="workingDirectory">Where restart commands run (the inventory's folder), so that lab commands may use relative paths.</param>
internal sealed class LocalHost(string name, string workingDirectory) : IHost
{
    public string Name { get; } = name;

    /// <summary>A managed file larger than this is refused, not read: no certificate, key, CRL or config comes near it.</summary>
    public const long MaxFileBytes = FileLimits.Managed;

    /// <summary>
    /// Synchronous on purpose: the files are a few KiB and in the page cache, and .NET's async file reads on Linux
    /// are the same read(2) handed to the thread pool, plus a state machine and two hops, 30,000 times for a
    /// 10,000-agent plan. The observer already reads many agents at once.
    /// </summary>
    public Task<FileSnapshot> ReadAsync(string path, CancellationToken cancellationToken)
        => ReadAsync(path, FileLimits.Managed, cancellationToken);

    public Task<FileSnapshot> ReadAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try { return Task.FromResult(Read(path, Math.Clamp(maxBytes, 0, FileLimits.State), onlyName: false)); }
        catch (HostOperationException e) { return Task.FromException<FileSnapshot>(e); }
    }

    /// <summary>
    /// Opens the file inside its held folder without following a link and without blocking (a FIFO answers at once),
    /// then believes only what the descriptor says: a regular file, no larger than <paramref name="limit"/>; with
    /// <paramref name="onlyName"/>, one that has no other name (a hard link to it elsewhere may be a file root alone should read).
    /// </summary>
    private FileSnapshot Read(string path, long limit, bool onlyName)
    {
        var (folderPath, name) = Split(path);
        var writable = new List<WritableFolder>();
        using var folder = FolderHandle.Open(Name, folderPath, writable: writable);
        if (folder is null) return FileSnapshot.Missing(Name, path) with { WritableFolders = writable };
        var missing = FileSnapshot.Missing(Name, path) with { WritableFolders = writable, Leftovers = Leftovers(folder.Handle, path) };
        SafeFileHandle file;
        try
        {
            file = Descriptors.OpenAt(folder.Handle, name, Descriptors.ORdOnly | Descriptors.ONoFollow | Descriptors.ONonBlock | Descriptors.ONoCtty);
        }
        catch (DescriptorException e) when (e.Errno == Descriptors.ENOENT) { return missing; }
        catch (DescriptorException e) when (e.Errno == Descriptors.ELOOP) { throw LinkRefused(path); }
        catch (DescriptorException e) when (e.Errno == 13 /* EACCES */) { throw new HostOperationException(Name, path, "permission denied", e); }
        catch (DescriptorException e) { throw new HostOperationException(Name, path, e.Message, e); }
        using (file)
        {
            var status = Descriptors.Status(file);
            RequireRegular(path, status);
            if (onlyName && status.Links != 1)
                throw ManagedFileRefusals.HardLinks(Name, path, status.Links);
            if (status.Size > limit)
                throw ManagedFileRefusals.TooLarge(Name, path, status.Size, limit);
            var content = ReadBounded(file, path, status.Size, limit);
            return new FileSnapshot(Name, path, true, content, status.Mode, Posix.UserName(status.Uid)) { WritableFolders = writable, Leftovers = missing.Leftovers };
        }
    }

    /// <summary>
    /// The entries of a held folder named like what an interrupted write leaves, as lstat says, and what a folder of ours
    /// among them holds. <paramref name="path"/> names the read in an error.
    /// </summary>
    private List<LeftoverEntry> Leftovers(SafeFileHandle folder, string path)
    {
        try
        {
            var found = new List<LeftoverEntry>();
            foreach (var name in Descriptors.Names(folder, LeftoverEntry.IsCandidate, LeftoverEntry.MaxEntries).Order(StringComparer.Ordinal))
            {
                if (Descriptors.StatusOfName(folder, name) is not { } status) continue; // gone since the listing
                var entry = Leftover(name, status);
                if (entry is { Kind: LeftoverKind.Folder, Ours: true })
                {
                    // Another lane of this apply may be writing in this folder: its own folder comes and goes at any instant.
                    var inside = PrivateEntries(folder, name, out var gone);
                    if (gone) continue;
                    entry = entry with { Entries = inside };
                }
                found.Add(entry);
            }
            return found;
        }
        // Only an account other than root meets a folder it may enter but not list; nothing of pemstate's as root is there for it.
        catch (DescriptorException e) when (e.Errno == 13 /* EACCES */) { return []; }
        catch (DescriptorException e) { throw new HostOperationException(Name, path, $"listing its folder failed: {e.Message}", e); }
    }

    private byte[] ReadBounded(SafeFileHandle file, string path, long expected, long limit)
    {
        var buffer = new byte[expected];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(file, buffer.AsSpan(total), total);
            if (read == 0) return buffer[..total]; // shrank while read: what was there
            total += read;
        }
        // Grown since fstat: read on, up to the bound.
        Span<byte> probe = stackalloc byte[1];
        if (RandomAccess.Read(file, probe, total) == 0) return buffer;
        using var more = new MemoryStream();
        more.Write(buffer);
        var chunk = new byte[64 * 1024];
        while (true)
        {
            var read = RandomAccess.Read(file, chunk, more.Length);
            if (read == 0) return more.ToArray();
            more.Write(chunk, 0, read);
            if (more.Length > limit)
                throw ManagedFileRefusals.GrewTooLarge(Name, path, limit);
        }
    }

    /// <summary>
    /// The new file is made inside a private folder of pemstate's own (<see cref="OwnFolder"/>) created in the held folder:
    /// the file created there with O_EXCL and its final mode, then given owner and mode by fchown/fchmod on its descriptor,
    /// is the very file that renameat moves over the name.
    /// </summary>
    public Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, string? owner, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        (uint Uid, uint Gid)? user = owner is null ? null : Posix.LookUpUser(owner) ?? throw new HostOperationException(Name, path, $"no such user '{owner}'");
        using var folder = HeldParent(path, "write", out var name);
        if (Descriptors.StatusOfName(folder.Handle, name) is { Kind: not FileKind.Regular } existing)
            throw NotRegular(path, existing.Kind);
        try
        {
            using var own = OwnFolder.Make(Name, path, folder.Handle, "write");
            var created = false;
            try
            {
                using (var file = Descriptors.OpenAt(own.Handle, name,
                           Descriptors.OWrOnly | Descriptors.OCreat | Descriptors.OExcl | Descriptors.ONoFollow, (uint)mode))
                {
                    created = true;
                    RandomAccess.Write(file, content.Span, 0);
                    if (user is { } u) Descriptors.ChangeOwner(file, u.Uid, u.Gid);
                    Descriptors.ChangeMode(file, mode); // after chown, which may clear bits; and the umask may have taken some
                    Descriptors.Sync(file);
                }
                Descriptors.RenameAt(own.Handle, name, folder.Handle, name);
                created = false;
                Descriptors.Sync(folder.Handle);
            }
            finally
            {
                if (created) TryUnlink(own.Handle, name);
            }
        }
        catch (IOException e)
        {
            throw e as HostOperationException ?? new HostOperationException(Name, path, $"write failed: {Descriptors.Describe(e)}", e);
        }
        return Task.CompletedTask;
    }

    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        Change(path, "chmod", file => Descriptors.ChangeMode(file, mode));
        return Task.CompletedTask;
    }

    public Task SetOwnerAsync(string path, string owner, CancellationToken cancellationToken)
    {
        var user = Posix.LookUpUser(owner) ?? throw new HostOperationException(Name, path, $"no such user '{owner}'");
        Change(path, "chown", file => Descriptors.ChangeOwner(file, user.Uid, user.Gid));
        return Task.CompletedTask;
    }

    /// <summary>
    /// chmod/chown on a descriptor opened without following links, of a regular file whose only name this is: a hard
    /// link to a file elsewhere would hand that file's mode or owner to whoever made the link.
    /// </summary>
    private void Change(string path, string what, Action<SafeFileHandle> change)
    {
        using var folder = HeldParent(path, what, out var name);
        try
        {
            using var file = Descriptors.OpenAt(folder.Handle, name, Descriptors.ORdOnly | Descriptors.ONoFollow | Descriptors.ONonBlock | Descriptors.ONoCtty);
            var status = Descriptors.Status(file);
            RequireRegular(path, status);
            if (status.Links != 1)
                throw ManagedFileRefusals.HardLinks(Name, path, status.Links);
            change(file);
        }
        catch (DescriptorException e) when (e.Errno == Descriptors.ELOOP) { throw LinkRefused(path); }
        catch (DescriptorException e) { throw new HostOperationException(Name, path, $"{what} failed: {e.Message}", e); }
    }

    public Task EnsureDirectoryAsync(string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        using var folder = FolderHandle.Open(Name, path, create: true, createMode: mode);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The content is written and fsync'd in a private folder first (<see cref="OwnFolder"/>), then given the name by
    /// linkat, which fails when the name exists: the file appears whole or not at all, so nobody ever reads an empty
    /// lock and takes it for a stale one. (renameat would replace a lock another run took meanwhile.) On a full disk
    /// nothing appears at the name.
    /// </summary>
    public Task<bool> TryCreateExclusiveAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        using var folder = HeldParent(path, "create", out var name);
        try
        {
            using var own = OwnFolder.Make(Name, path, folder.Handle, "create");
            try
            {
                using (var file = Descriptors.OpenAt(own.Handle, name,
                           Descriptors.OWrOnly | Descriptors.OCreat | Descriptors.OExcl | Descriptors.ONoFollow, (uint)mode))
                {
                    RandomAccess.Write(file, content.Span, 0);
                    Descriptors.ChangeMode(file, mode); // the umask may have taken some bits
                    Descriptors.Sync(file);
                }
                try { Descriptors.LinkAt(own.Handle, name, folder.Handle, name); }
                catch (DescriptorException e) when (e.Errno == Descriptors.EEXIST) { return Task.FromResult(false); }
                Descriptors.Sync(folder.Handle);
                return Task.FromResult(true);
            }
            finally
            {
                TryUnlink(own.Handle, name); // the name in the held folder is the file's other link
            }
        }
        catch (IOException e)
        {
            throw e as HostOperationException ?? new HostOperationException(Name, path, $"create failed: {Descriptors.Describe(e)}", e);
        }
    }

    /// <summary>
    /// Takes the name away first, moving whatever is there into a private folder (<see cref="OwnFolder"/>) with one
    /// renameat, then looks at what it took: the same bytes as <paramref name="expected"/> are removed, anything else is
    /// linked back under its name. Two runs that break one stale lock at once: the second takes the first's new lock,
    /// finds other bytes, and puts it back.
    /// </summary>
    public Task<bool> TryDeleteUnchangedAsync(string path, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken)
    {
        var (folderPath, name) = Split(path);
        using var folder = FolderHandle.Open(Name, folderPath);
        if (folder is null || Descriptors.StatusOfName(folder.Handle, name) is not { Kind: FileKind.Regular }) return Task.FromResult(false);
        try
        {
            using var own = OwnFolder.Make(Name, path, folder.Handle, "delete");
            try { Descriptors.RenameAt(folder.Handle, name, own.Handle, name); }
            catch (DescriptorException e) when (e.Errno == Descriptors.ENOENT) { return Task.FromResult(false); }
            var same = Holds(own.Handle, name, expected.Span);
            if (!same)
            {
                try { Descriptors.LinkAt(own.Handle, name, folder.Handle, name); }
                catch (DescriptorException e) when (e.Errno == Descriptors.EEXIST)
                {
                    // Left in the private folder (not empty, so it stays): removing it would delete what someone may hold.
                    throw new HostOperationException(Name, path,
                        $"delete failed: it changed while it was being removed, and a new one took its name meanwhile; what was there is kept in {Path.Combine(folderPath, own.Name)}", e);
                }
            }
            Descriptors.UnlinkAt(own.Handle, name, directory: false);
            Descriptors.Sync(folder.Handle);
            return Task.FromResult(same);
        }
        catch (IOException e)
        {
            throw e as HostOperationException ?? new HostOperationException(Name, path, $"delete failed: {Descriptors.Describe(e)}", e);
        }
    }

    /// <summary>Whether <paramref name="name"/> in <paramref name="folder"/> is a regular file of exactly <paramref name="expected"/>'s bytes.</summary>
    private static bool Holds(SafeFileHandle folder, string name, ReadOnlySpan<byte> expected)
    {
        SafeFileHandle file;
        try { file = Descriptors.OpenAt(folder, name, Descriptors.ORdOnly | Descriptors.ONoFollow | Descriptors.ONonBlock | Descriptors.ONoCtty); }
        catch (DescriptorException) { return false; } // a link, a socket: not what was read
        using (file)
        {
            if (Descriptors.Status(file) is not { Kind: FileKind.Regular } status || status.Size != expected.Length) return false;
            var content = new byte[expected.Length + 1];
            var total = 0;
            for (int read; total < content.Length && (read = RandomAccess.Read(file, content.AsSpan(total), total)) > 0;) total += read;
            return content.AsSpan(0, total).SequenceEqual(expected);
        }
    }

    public Task AppendAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        using var folder = HeldParent(path, "append", out var name);
        try
        {
            using var file = Descriptors.OpenAt(folder.Handle, name,
                Descriptors.OWrOnly | Descriptors.OAppend | Descriptors.OCreat | Descriptors.ONoFollow | Descriptors.ONonBlock, (uint)mode);
            var status = Descriptors.Status(file);
            RequireRegular(path, status);
            RandomAccess.Write(file, content.Span, status.Size);
            Descriptors.Sync(file);
        }
        catch (DescriptorException e) when (e.Errno == Descriptors.ELOOP) { throw LinkRefused(path); }
        catch (IOException e) when (e is not HostOperationException) { throw new HostOperationException(Name, path, $"append failed: {Descriptors.Describe(e)}", e); }
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var (folderPath, name) = Split(path);
        using var folder = FolderHandle.Open(Name, folderPath);
        if (folder is null) return Task.CompletedTask;
        try
        {
            if (Descriptors.StatusOfName(folder.Handle, name) is { Kind: FileKind.Folder })
                throw new HostOperationException(Name, path, "delete failed: is a folder");
            Descriptors.UnlinkAt(folder.Handle, name, directory: false); // a link is removed, never its target
        }
        catch (DescriptorException e) { throw new HostOperationException(Name, path, $"delete failed: {e.Message}", e); }
        return Task.CompletedTask;
    }

    public Task DeleteDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        var (folderPath, name) = Split(path);
        using var parent = FolderHandle.Open(Name, folderPath);
        if (parent is null) return Task.CompletedTask;
        try
        {
            RemoveTree(parent.Handle, name);
        }
        catch (DescriptorException e) { throw new HostOperationException(Name, path, $"rmdir failed: {e.Message}", e); }
        return Task.CompletedTask;
    }

    /// <summary>Removes <paramref name="name"/> and what it holds, descending only into real folders (links are unlinked).</summary>
    private static void RemoveTree(SafeFileHandle parent, string name)
    {
        if (Descriptors.StatusOfName(parent, name) is not { } status) return;
        if (status.Kind != FileKind.Folder)
        {
            Descriptors.UnlinkAt(parent, name, directory: false);
            return;
        }
        using (var folder = Descriptors.OpenAt(parent, name, Descriptors.ORdOnly | Descriptors.ODirectory | Descriptors.ONoFollow))
        {
            foreach (var entry in Entries(folder))
                RemoveTree(folder, entry);
        }
        Descriptors.UnlinkAt(parent, name, directory: true);
    }

    public Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        using var folder = FolderHandle.Open(Name, path);
        if (folder is null) return Task.FromResult<IReadOnlyList<string>>([]);
        try
        {
            return Task.FromResult<IReadOnlyList<string>>(Entries(folder.Handle).Order(StringComparer.Ordinal).ToList());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new HostOperationException(Name, path, $"list failed: {e.Message}", e); }
    }

    /// <summary>What a folder of ours holds, read on its own descriptor (opened without following); null when it is no longer a folder of ours.</summary>
    /// <param name="gone">
    /// The folder was removed since the listing: before it was opened, or while it was held. Then it is no leftover.
    /// </param>
    private static List<LeftoverEntry>? PrivateEntries(SafeFileHandle parent, string name, out bool gone)
    {
        gone = false;
        SafeFileHandle folder;
        try { folder = Descriptors.OpenAt(parent, name, Descriptors.ORdOnly | Descriptors.ODirectory | Descriptors.ONoFollow); }
        catch (DescriptorException e) when (e.Errno is Descriptors.ENOENT) { gone = true; return null; }
        catch (DescriptorException e) when (e.Errno is Descriptors.ELOOP or Descriptors.ENOTDIR) { return null; }
        using (folder)
        {
            if (Descriptors.Status(folder) is not { Kind: FileKind.Folder } held || held.Uid != Posix.EffectiveUid) return null;
            var entries = new List<LeftoverEntry>();
            foreach (var entry in Descriptors.Names(folder, _ => true, LeftoverEntry.MaxEntries + 1).Order(StringComparer.Ordinal))
                if (Descriptors.StatusOfName(folder, entry) is { } status) entries.Add(Leftover(entry, status));
            gone = RemovedWhileHeld(parent, name, folder);
            return gone ? null : entries;
        }
    }

    /// <summary>
    /// The folder held open as <paramref name="name"/> was removed since: it has no links left (rmdir clears them), and the
    /// name is gone or another file's now. Both, so that a filesystem reporting no links for a live folder hides nothing.
    /// </summary>
    private static bool RemovedWhileHeld(SafeFileHandle parent, string name, SafeFileHandle held)
    {
        var status = Descriptors.Status(held);
        return status.Links == 0 && !(Descriptors.StatusOfName(parent, name) is { } now && now.SameFileAs(status));
    }

    private static LeftoverEntry Leftover(string name, FileStatus status) => new(name,
        status.Kind switch
        {
            FileKind.Regular => LeftoverKind.Regular,
            FileKind.Folder => LeftoverKind.Folder,
            FileKind.SymbolicLink => LeftoverKind.Link,
            _ => LeftoverKind.Other,
        },
        status.Mode, Posix.UserName(status.Uid), status.Uid == Posix.EffectiveUid, status.Links);

    public Task RemoveLeftoverAsync(string path, LeftoverProof proof, CancellationToken cancellationToken)
    {
        var (folderPath, name) = Split(path);
        using var folder = FolderHandle.Open(Name, folderPath);
        if (folder is null) return Task.CompletedTask;
        try
        {
            if (Descriptors.StatusOfName(folder.Handle, name) is not { } status) return Task.CompletedTask;
            if (proof.Kind == LeftoverKind.Folder && status.Kind == FileKind.Folder)
            {
                RemovePrivateFolder(folder.Handle, name, path, proof);
                return Task.CompletedTask;
            }
            if (proof.Problem(Leftover(name, status)) is { } why) throw NotLeftover(path, why);
            Descriptors.UnlinkAt(folder.Handle, name, directory: false); // the name only, in the held folder; never a link's target
        }
        catch (DescriptorException e) { throw new HostOperationException(Name, path, $"remove failed: {e.Message}", e); }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Checked on its own descriptor: a folder of ours, 0700, so nobody but root can put a name in it between the check and
    /// the unlinks. Each file is unlinked inside it, then the folder by its name, as WriteAtomicAsync does.
    /// </summary>
    private void RemovePrivateFolder(SafeFileHandle parent, string name, string path, LeftoverProof proof)
    {
        SafeFileHandle held;
        try { held = Descriptors.OpenAt(parent, name, Descriptors.ORdOnly | Descriptors.ODirectory | Descriptors.ONoFollow); }
        catch (DescriptorException e) when (e.Errno is Descriptors.ELOOP or Descriptors.ENOTDIR) { throw NotLeftover(path, "it is no longer a folder"); }
        catch (DescriptorException e) when (e.Errno == Descriptors.ENOENT) { return; }
        using (held)
        {
            var names = Descriptors.Names(held, _ => true, int.MaxValue);
            // Gone already (Names read it as empty), and its name is not ours to act on.
            if (RemovedWhileHeld(parent, name, held)) return;
            var files = names.Select(n => Descriptors.StatusOfName(held, n) is { } s ? Leftover(n, s) : null).OfType<LeftoverEntry>().ToList();
            if (proof.Problem(Leftover(name, Descriptors.Status(held)) with { Entries = files }) is { } why) throw NotLeftover(path, why);
            foreach (var file in files) Descriptors.UnlinkAt(held, file.Name, directory: false);
        }
        // By name, as WriteAtomicAsync does: at worst another account's empty folder, put in its place meanwhile, goes instead.
        try { Descriptors.UnlinkAt(parent, name, directory: true); }
        catch (DescriptorException e) when (e.Errno == ENotEmpty) { throw ManagedFileRefusals.LeftoverTaken(Name, path); }
    }

    private const int ENotEmpty = 39;

    private HostOperationException NotLeftover(string path, string why) => ManagedFileRefusals.NotLeftover(Name, path, why);

    /// <summary>Names in a held folder, read through /proc/self/fd so that the listing is of this folder and no other.</summary>
    private static List<string> Entries(SafeFileHandle folder)
        => Directory.EnumerateFileSystemEntries($"/proc/self/fd/{folder.DangerousGetHandle()}").Select(p => Path.GetFileName(p)).ToList();

    /// <summary>
    /// The shell runs in a session and process group of its own (setsid), so that a timeout kills everything it started,
    /// a background child included, and nothing of pemstate's. Its output is read while it runs, into bounded buffers,
    /// and only until a moment after the shell itself exits: a daemon it started (pg_ctl without -l leaves the
    /// postmaster on the shell's stdout) may hold the pipe for its whole life, and must not be killed for it.
    /// </summary>
    public async Task<IReadOnlyList<FileSnapshot>> ReadAllAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var files = new List<FileSnapshot>(paths.Count);
        foreach (var path in paths) files.Add(await ReadAsync(path, cancellationToken).ConfigureAwait(false));
        return files;
    }

    /// <summary>One by one: each is a few system calls here.</summary>
    public async Task RunInOrderAsync(IReadOnlyList<FileChange> changes, CancellationToken cancellationToken)
    {
        foreach (var change in changes) await change.ApplyAsync(this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads here are system calls: what is known is read again, now.</summary>
    public Task<IReadOnlyList<FileSnapshot>> ReadKnownAsync(IReadOnlyList<string> paths, bool exact, CancellationToken cancellationToken) =>
        ReadAllAsync(paths, cancellationToken);

    /// <summary>Reads here are system calls: nothing to gain by asking ahead.</summary>
    public void ReadAhead(IReadOnlyList<(string Path, long Limit)> files, IReadOnlyList<string> folders) { }

    public void ForgetReadAhead() { }

    /// <summary>pemstate runs here: keys are made in process, on every core, and read like any file.</summary>
    public bool KeepsKeys => false;

    /// <summary>The platform's generator (<see cref="Crypto.KeyGenerator"/>), written as any key is.</summary>
    public async Task<SealedKey> GenerateKeyAsync(string path, Inventory.KeySpec spec, string? owner, CancellationToken cancellationToken)
    {
        await EnsureDirectoryAsync(Path.GetDirectoryName(path)!, Inventory.FileModes.PrivateDirectory, cancellationToken).ConfigureAwait(false);
        var pair = Crypto.KeyGenerator.Generate(spec);
        var pem = System.Text.Encoding.ASCII.GetBytes(Crypto.PemCodec.EncodePrivateKey(pair.Private));
        try
        {
            await WriteAtomicAsync(path, pem, Inventory.FileModes.Private, owner, cancellationToken).ConfigureAwait(false);
            return new SealedKey(Crypto.Fingerprints.Sha256Hex(pem), Crypto.KeyPairs.SubjectPublicKeyInfo(pair.Public));
        }
        finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(pem); }
    }

    public async Task CopyAsync(string source, string sha256, string destination, UnixFileMode mode, string? owner, CancellationToken cancellationToken)
    {
        var file = await ReadExpectedAsync(source, sha256, cancellationToken).ConfigureAwait(false);
        try { await WriteAtomicAsync(destination, file.Content, mode, owner, cancellationToken).ConfigureAwait(false); }
        finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(file.Content); }
    }

    public async Task<byte[]> SignAsync(string keyPath, string keySha256, ReadOnlyMemory<byte> data, string digest, CancellationToken cancellationToken)
    {
        var file = await ReadExpectedAsync(keyPath, keySha256, cancellationToken).ConfigureAwait(false);
        try
        {
            var key = Crypto.PemCodec.DecodePrivateKey(file.Content) ?? throw new HostOperationException(Name, keyPath, "is not a readable private key");
            var wanted = Crypto.RemoteSigner.AlgorithmFor(key.Public).Digest;
            if (wanted != digest) throw new HostOperationException(Name, keyPath, $"sign refused: this key signs with {wanted}, not {digest}");
            return Crypto.PlatformSignatureFactory.SignWith(key.Private, data.ToArray());
        }
        finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(file.Content); }
    }

    public Task<FileSnapshot> ReadSharedKeyAsync(string path, string sha256, CancellationToken cancellationToken) =>
        ReadExpectedAsync(path, sha256, cancellationToken);

    /// <summary>The file, refused unless it still holds what pemstate saw (RemoteFiles.py's read_expected, here).</summary>
    private Task<FileSnapshot> ReadExpectedAsync(string path, string sha256, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = Read(path, FileLimits.Managed, onlyName: true);
        if (file.Exists && file.Sha256 == sha256) return Task.FromResult(file);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(file.Content);
        throw ManagedFileRefusals.Changed(Name, path, file.Exists);
    }

    public async Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (file, arguments) = SetSid is { } setsid ? (setsid, new[] { "-w", "/bin/sh", "-c", command }) : ("/bin/sh", ["-c", command]);
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new HostOperationException(Name, command, $"could not start {file}");
        process.StandardInput.Close();
        var (stdout, stderr) = (new BoundedOutput(), new BoundedOutput());
        using var stopReading = new CancellationTokenSource();
        var reading = Task.WhenAll(
            stdout.ReadFromAsync(process.StandardOutput.BaseStream, stopReading.Token),
            stderr.ReadFromAsync(process.StandardError.BaseStream, stopReading.Token));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process, SetSid is not null);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            stopReading.Cancel();
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }
        stopReading.CancelAfter(OutputGrace);
        // The read of a pipe may not notice the cancellation; the command's result does not wait for it either way.
        await Task.WhenAny(reading, Task.Delay(OutputGrace + TimeSpan.FromMilliseconds(200), CancellationToken.None)).ConfigureAwait(false);
        return new CommandResult(process.ExitCode, stdout.ToString(), stderr.ToString(), timedOut);
    }

    /// <summary>How long output is still read after the shell exited, for what it printed last to reach the pipe.</summary>
    internal static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(1.5);

    /// <summary>util-linux setsid, on every Debian and RHEL; without it only the shell's own descendants can be found to kill.</summary>
    private static readonly string? SetSid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>
    /// The whole process group the shell leads (setsid made its pid the group id, before it ran anything); the group
    /// still exists, because the shell has not been waited for. Without setsid: the shell and its descendants.
    /// </summary>
    private static void Kill(Process process, bool ownGroup)
    {
        if (ownGroup && Posix.KillGroup(process.Id)) return;
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { /* already gone */ }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The folder holding <paramref name="path"/>, held by descriptor, and the file's plain name in it.</summary>
    private FolderHandle HeldParent(string path, string what, out string name)
    {
        (var folderPath, name) = Split(path);
        return FolderHandle.Open(Name, folderPath) ?? throw new HostOperationException(Name, path, $"{what} failed: its folder does not exist");
    }

    private static (string Folder, string Name) Split(string path)
    {
        var full = Path.GetFullPath(path);
        return (Path.GetDirectoryName(full) ?? "/", Path.GetFileName(full));
    }

    private void RequireRegular(string path, FileStatus status)
    {
        if (status.Kind != FileKind.Regular) throw NotRegular(path, status.Kind);
    }

    private HostOperationException NotRegular(string path, FileKind kind) => ManagedFileRefusals.NotRegular(Name, path, kind);

    private HostOperationException LinkRefused(string path) => ManagedFileRefusals.LinkRefused(Name, path);

    private static void TryUnlink(SafeFileHandle folder, string name)
    {
        try { Descriptors.UnlinkAt(folder, name, directory: false); }
        catch (IOException) { }
    }
}
