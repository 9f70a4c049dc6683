using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using PemCertState.Facts;
using PemCertState.Inventory;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace PemCertState.Hosts;

/// <summary>
/// A machine reached over SSH (SSH.NET). Every file operation runs in RemoteFiles.py on the host (see
/// <see cref="RemoteFileProgram"/>), one process a batch, through descriptors as on the local host: SFTP and the shell's
/// tools act by path, which an account owning the folder can re-point between two calls. Commands run over exec; with
/// <c>sudo: true</c> both go through <c>sudo -n</c>.
/// The connection is opened on first use and reused for every step; a failed connection is remembered, so
/// that the many parallel reads of an observation fail once, fast, with the same reason.
/// </summary>
internal sealed class SshHost : IHost
{
    private readonly HostSpec _spec;
    private readonly SshOptions _options;
    private readonly string _target;
    private readonly Lock _lock = new();

    // One command at a time per host: with several SshCommand.ExecuteAsync in flight on one SshClient, an
    // apply of 100 agents on 10 hosts hung after a few dozen agents, client and sshd both idle (a channel's close
    // never reached its waiting command). Commands are short; hosts still run in parallel.
    private readonly SemaphoreSlim _execGate = new(1, 1);

    /// <summary>The command line that starts RemoteFiles.py (through sudo -n when the host asks for it); made once, it holds the program.</summary>
    private readonly string _fileProgram;

    private Task<SshClient>? _exec;
    private readonly SemaphoreSlim? _handshakes;
    private byte[]? _trustedKey;
    private string? _hostKeyProblem;

    /// <param name="handshakes">Shared with the run's other SSH hosts, bounds the handshakes under way at once; null: none.</param>
    public SshHost(HostSpec spec, SshOptions options, SemaphoreSlim? handshakes = null)
    {
        _handshakes = handshakes;
        if (spec.Transport != HostTransport.Ssh || spec.Address is null || spec.User is null)
            throw new ArgumentException("an ssh host needs an address and a user", nameof(spec));
        _spec = spec;
        _options = options;
        _target = $"{spec.User}@{spec.Address}:{spec.Port}";
        Name = spec.Name;
        _fileProgram = ShellLine(RemoteFileProgram.Launcher, [RemoteFileProgram.Source], spec.Sudo);
        _reads = new(ReadManyAsync, maxBatch: 256, ready: ExecClientAsync);
        _signs = new(async requests => await RunFileProgramAsync(requests, CancellationToken.None).ConfigureAwait(false), maxBatch: 64, ready: ExecClientAsync);
    }

    public string Name { get; }

    /// <summary>Commands run on the host so far (each a process start there); tests hold the read batching to it.</summary>
    internal int CommandsRun => Volatile.Read(ref _commandsRun);
    private int _commandsRun;

    public Task<FileSnapshot> ReadAsync(string path, CancellationToken cancellationToken)
        => ReadAsync(path, FileLimits.Managed, cancellationToken);

    public async Task<FileSnapshot> ReadAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var limit = Math.Clamp(maxBytes, 0, FileLimits.State);
        if (await AheadAsync(Key("read", path, limit), cancellationToken).ConfigureAwait(false) is { } early)
        {
            var (read, refused) = SnapshotOf(path, early);
            return Seen(read ?? throw refused!);
        }
        var (snapshot, error) = await _reads.AddAsync((path, limit)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return Seen(snapshot ?? throw error!);
    }

    /// <summary>One run of the file program for all of them (those the read-ahead holds are taken from it).</summary>
    public async Task<IReadOnlyList<FileSnapshot>> ReadAllAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        if (_ahead is not null || paths.Count < 2)
            return await Task.WhenAll(paths.Select(p => ReadAsync(p, cancellationToken))).ConfigureAwait(false);
        var answers = await RunFileProgramAsync([.. paths.Select(p => new RemoteFileRequest("read", p))], cancellationToken).ConfigureAwait(false);
        return [.. paths.Select((path, i) => SnapshotOf(path, answers[i]) is var (snapshot, error) ? Seen(snapshot ?? throw error!) : null!)];
    }

    /// <summary>Those this host knows (<see cref="_known"/>) from what it knows; the others read, in one round trip.</summary>
    public async Task<IReadOnlyList<FileSnapshot>> ReadKnownAsync(IReadOnlyList<string> paths, bool exact, CancellationToken cancellationToken)
    {
        var known = paths.Select(p => _known.TryGetValue(p, out var k) && (k.Exact || !exact) ? k.Snapshot : null).ToArray();
        var unknown = paths.Where((_, i) => known[i] is null).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count == 0) return known!;
        var read = (await ReadAllAsync(unknown, cancellationToken).ConfigureAwait(false)).ToDictionary(f => f.Path, StringComparer.Ordinal);
        return [.. paths.Select((p, i) => known[i] ?? read[p])];
    }

    /// <summary>
    /// What this host last read at a path since its last read-ahead (an observation's start), or put there itself; what
    /// <see cref="ReadKnownAsync"/> answers from. Exact when it came from the host (a read, or a write that named the owner).
    /// Only files: a private key written or made here is kept as its hash (<see cref="FileSnapshot.Sealed"/>), never its bytes.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (FileSnapshot Snapshot, bool Exact)> _known = new(StringComparer.Ordinal);

    private FileSnapshot Seen(FileSnapshot read)
    {
        _known[read.Path] = (read, true);
        return read;
    }

    /// <summary>What a change this host made leaves at its path.</summary>
    private void Made(FileChange change, SealedKey? made = null)
    {
        switch (change)
        {
            case FileChange.Write w:
                // Anything that may hold a key block is known by its hash alone (a config never does).
                var key = made ?? (w.Content.Span.IndexOf("PRIVATE KEY-----"u8) >= 0 ? new SealedKey(Crypto.Fingerprints.Sha256Hex(w.Content.Span), null) : null);
                _known[w.Path] = (new FileSnapshot(Name, w.Path, true, key is null ? w.Content.ToArray() : [], w.Mode, w.Owner) { Sealed = key }, w.Owner is not null);
                break;
            case FileChange.Copy c when _known.TryGetValue(c.Source, out var source) && source.Snapshot.Sha256 == c.Sha256:
                _known[c.Path] = (source.Snapshot with { Path = c.Path, Mode = c.Mode, Owner = c.Owner }, c.Owner is not null);
                break;
            case FileChange.Delete d:
                _known[d.Path] = (FileSnapshot.Missing(Name, d.Path), true);
                break;
            case FileChange.EnsureFolder:
                break;
            default:
                _known.TryRemove(change.Path, out _);
                break;
        }
    }

    /// <summary>The batch <see cref="ReadAhead"/> sent, answer by request; null when none is under way.</summary>
    private volatile Task<Dictionary<string, RemoteFileAnswer>>? _ahead;

    public void ReadAhead(IReadOnlyList<(string Path, long Limit)> files, IReadOnlyList<string> folders)
    {
        var requests = files.Select(f => (Key: Key("read", f.Path, Math.Clamp(f.Limit, 0, FileLimits.State)),
                Request: new RemoteFileRequest("read", f.Path, Limit: f.Limit == FileLimits.Managed ? null : Math.Clamp(f.Limit, 0, FileLimits.State))))
            .Concat(folders.Select(d => (Key: Key("list", d, 0), Request: new RemoteFileRequest("list", d))))
            .DistinctBy(r => r.Key).ToList();
        _known.Clear();
        _ahead = requests.Count == 0 ? null : FetchAheadAsync(requests);
    }

    public void ForgetReadAhead() => _ahead = null;

    private async Task<Dictionary<string, RemoteFileAnswer>> FetchAheadAsync(List<(string Key, RemoteFileRequest Request)> requests)
    {
        await Task.Yield();
        try
        {
            var answers = await RunFileProgramAsync([.. requests.Select(r => r.Request)], CancellationToken.None).ConfigureAwait(false);
            return requests.Select((r, i) => (r.Key, Answer: answers[i])).ToDictionary(a => a.Key, a => a.Answer, StringComparer.Ordinal);
        }
        catch (HostOperationException)
        {
            // Each read then asks the host itself, and meets (and reports) the same failure with its own path.
            return [];
        }
    }

    /// <summary>The read-ahead's answer to this request, once that batch is back; null when it did not ask it (or none is under way).</summary>
    private async Task<RemoteFileAnswer?> AheadAsync(string key, CancellationToken ct)
    {
        if (_ahead is not { } ahead) return null;
        var answers = await ahead.WaitAsync(ct).ConfigureAwait(false);
        return answers.GetValueOrDefault(key);
    }

    private static string Key(string operation, string path, long limit) => $"{operation}\0{limit}\0{path}";

    /// <summary>
    /// Reads coalesce: every read asked for while a batch is on the wire goes in the next batch, one remote process for
    /// up to 256 files (process starts are what a busy host is slow at), each file with its own answer and its own bound.
    /// </summary>
    private readonly Batcher<(string Path, long Limit), (FileSnapshot? Snapshot, HostOperationException? Error)> _reads;

    private async Task<IReadOnlyList<(FileSnapshot? Snapshot, HostOperationException? Error)>> ReadManyAsync(IReadOnlyList<(string Path, long Limit)> reads)
    {
        // The managed bound is the program's default and goes unsaid.
        var answers = await RunFileProgramAsync([.. reads.Select(r => new RemoteFileRequest("read", r.Path, Limit: r.Limit == FileLimits.Managed ? null : r.Limit))],
            CancellationToken.None).ConfigureAwait(false);
        var results = new List<(FileSnapshot?, HostOperationException?)>(reads.Count);
        for (var i = 0; i < reads.Count; i++) results.Add(SnapshotOf(reads[i].Path, answers[i]));
        return results;
    }

    private (FileSnapshot? Snapshot, HostOperationException? Error) SnapshotOf(string path, RemoteFileAnswer answer) => answer.Status switch
    {
        "ok" => (new FileSnapshot(Name, path, true, answer.Content ?? [], (UnixFileMode)answer.Number("mode"), answer.Text("owner"))
        {
            WritableFolders = answer.Writable(),
            Leftovers = answer.Leftovers(),
            Sealed = answer.Sealed(),
        }, null),
        "missing" => (FileSnapshot.Missing(Name, path) with { WritableFolders = answer.Writable(), Leftovers = answer.Leftovers() }, null),
        _ => (null, Problem(path, "read", answer)),
    };

    /// <summary>
    /// The temp file is made in the folder RemoteFiles.py holds open, with O_EXCL|O_NOFOLLOW and its final mode; owner
    /// and mode are set on its descriptor, then it is renamed within that folder. An account that owns the folder can
    /// rename the temp file away or put a link in its place, and gains nothing: no call after its creation takes a path.
    /// </summary>
    public async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, string? owner, CancellationToken cancellationToken)
    {
        _known.TryRemove(path, out _);
        await RunOneAsync(new RemoteFileRequest("write", path, mode, owner, content), "write", cancellationToken).ConfigureAwait(false);
        Made(new FileChange.Write(path, content, mode, owner));
    }

    /// <summary>On a descriptor opened without following links, of a regular file whose only name this is.</summary>
    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken)
        => Forgetting(path).RunOneAsync(new RemoteFileRequest("chmod", path, mode), "chmod", cancellationToken);

    /// <summary>As <see cref="SetModeAsync"/>; the owner's name is looked up on the host (its users may come from LDAP or sssd).</summary>
    public Task SetOwnerAsync(string path, string owner, CancellationToken cancellationToken)
        => Forgetting(path).RunOneAsync(new RemoteFileRequest("chown", path, Owner: owner), "chown", cancellationToken);

    /// <summary>
    /// Once a folder is there, it is not asked for again in this connection: a pair, its config and its backup each ensured
    /// the same folder, one round trip each. Should another account remove it meanwhile, the write into it fails, naming it.
    /// </summary>
    public async Task EnsureDirectoryAsync(string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        if (_folders.ContainsKey(path)) return;
        await RunOneAsync(new RemoteFileRequest("mkdir", path, mode), "mkdir", cancellationToken).ConfigureAwait(false);
        _folders.TryAdd(path, true);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _folders = new(StringComparer.Ordinal);

    /// <summary>Written and fsync'd in a private folder, then linked to its name: whole or not at all, as on the local host.</summary>
    public async Task<bool> TryCreateExclusiveAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var answer = await Forgetting(path).RunOneAsync(new RemoteFileRequest("create", path, mode, Content: content), "create", cancellationToken).ConfigureAwait(false);
        return answer.Status != "exists";
    }

    /// <summary>The name is moved into a private folder, compared there, and removed or linked back, as on the local host.</summary>
    public async Task<bool> TryDeleteUnchangedAsync(string path, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken)
    {
        var answer = await Forgetting(path).RunOneAsync(new RemoteFileRequest("deleteif", path, Content: expected), "delete", cancellationToken).ConfigureAwait(false);
        return answer.Status == "ok";
    }

    public Task AppendAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
        => Forgetting(path).RunOneAsync(new RemoteFileRequest("append", path, mode, Content: content), "append", cancellationToken);

    /// <summary>A link is removed, never its target; a folder is refused.</summary>
    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        await Forgetting(path).RunOneAsync(new RemoteFileRequest("delete", path), "delete", cancellationToken).ConfigureAwait(false);
        Made(new FileChange.Delete(path));
    }

    /// <summary>This host, once it no longer claims to know <paramref name="path"/> (about to be changed in a way it does not follow).</summary>
    private SshHost Forgetting(string path)
    {
        _known.TryRemove(path, out _);
        return this;
    }

    /// <summary>Descends only into real folders; links in it are unlinked, not followed.</summary>
    public Task DeleteDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        foreach (var folder in _folders.Keys.Where(f => f == path || f.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal)))
            _folders.TryRemove(folder, out _);
        _known.Clear();
        return RunOneAsync(new RemoteFileRequest("rmtree", path), "rmdir", cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var answer = await AheadAsync(Key("list", path, 0), cancellationToken).ConfigureAwait(false) is { Status: "ok" or "missing" } early ? early
            : await RunOneAsync(new RemoteFileRequest("list", path), "list", cancellationToken).ConfigureAwait(false);
        return answer.Names().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Private keys are made, copied and signed with on the host; a read of one answers with its hash and public half.</summary>
    public bool KeepsKeys => true;

    /// <summary>openssl genpkey on the host; RemoteFiles.py takes its output from a pipe and writes it as any key (see <see cref="WriteAtomicAsync"/>).</summary>
    public async Task<SealedKey> GenerateKeyAsync(string path, KeySpec spec, string? owner, CancellationToken cancellationToken)
    {
        var answer = await Forgetting(path).RunOneAsync(new RemoteFileRequest("genkey", path, FileModes.Private, owner, Key: spec, Folder: FileModes.PrivateDirectory),
            "generate a key", cancellationToken).ConfigureAwait(false);
        if (answer.Sealed() is not { PublicKeyInfo: not null } key)
            throw new HostOperationException(Name, path, "generate a key failed: the host's openssl gave no public key for it");
        Made(new FileChange.Write(path, ReadOnlyMemory<byte>.Empty, FileModes.Private, owner), key);
        return key;
    }

    public async Task CopyAsync(string source, string sha256, string destination, UnixFileMode mode, string? owner, CancellationToken cancellationToken)
    {
        await Forgetting(destination).RunOneAsync(new RemoteFileRequest("copy", destination, mode, owner, Source: source, Sha256: sha256), "copy", cancellationToken).ConfigureAwait(false);
        Made(new FileChange.Copy(source, sha256, destination, mode, owner));
    }

    /// <summary>
    /// Signatures asked for while a batch is on the wire go in the next one: the server's host signs a fleet's certificates
    /// in a few remote commands, not one each.
    /// </summary>
    public async Task<byte[]> SignAsync(string keyPath, string keySha256, ReadOnlyMemory<byte> data, string digest, CancellationToken cancellationToken)
    {
        var answer = await _signs.AddAsync(new RemoteFileRequest("sign", keyPath, Content: data, Sha256: keySha256, Digest: digest)).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (answer.Status != "ok") throw Problem(keyPath, "sign", answer);
        return answer.Content is { Length: > 0 } signature ? signature : throw new HostOperationException(Name, keyPath, "sign failed: no signature came back");
    }

    private readonly Batcher<RemoteFileRequest, RemoteFileAnswer> _signs;

    public async Task<FileSnapshot> ReadSharedKeyAsync(string path, string sha256, CancellationToken cancellationToken)
    {
        var answer = (await RunFileProgramAsync([new RemoteFileRequest("read", path, Sha256: sha256, Unseal: true)], cancellationToken).ConfigureAwait(false))[0];
        return answer.Status switch
        {
            "ok" => new FileSnapshot(Name, path, true, answer.Content ?? [], (UnixFileMode)answer.Number("mode"), answer.Text("owner")),
            "missing" => FileSnapshot.Missing(Name, path),
            _ => throw Problem(path, "read", answer),
        };
    }

    /// <summary>One run of RemoteFiles.py: every change after the first is marked to run only if all before it succeeded.</summary>
    public async Task RunInOrderAsync(IReadOnlyList<FileChange> changes, CancellationToken cancellationToken)
    {
        var pending = changes.Where(c => c is not FileChange.EnsureFolder f || !_folders.ContainsKey(f.Path)).ToList();
        if (pending.Count == 0) return;
        var requests = pending.Select((change, i) => RequestFor(change) with { After = i > 0 }).ToList();
        IReadOnlyList<RemoteFileAnswer> answers;
        try { answers = await RunFileProgramAsync(requests, cancellationToken).ConfigureAwait(false); }
        catch
        {
            foreach (var change in pending) _known.TryRemove(change.Path, out _); // made or not, nobody can say
            throw;
        }
        for (var i = 0; i < pending.Count; i++)
        {
            if (answers[i].Status is "ok" or "missing" or "exists")
            {
                if (pending[i] is FileChange.EnsureFolder done) _folders.TryAdd(done.Path, true);
                Made(pending[i]);
                continue;
            }
            _known.TryRemove(pending[i].Path, out _);
            throw Problem(pending[i].Path, Verb(pending[i]), answers[i]);
        }
    }

    private static RemoteFileRequest RequestFor(FileChange change) => change switch
    {
        FileChange.EnsureFolder f => new RemoteFileRequest("mkdir", f.Path, f.Mode),
        FileChange.Write w => new RemoteFileRequest("write", w.Path, w.Mode, w.Owner, w.Content, Sha256: w.Expected),
        FileChange.Copy c => new RemoteFileRequest("copy", c.Path, c.Mode, c.Owner, Source: c.Source, Sha256: c.Sha256),
        FileChange.Delete d => new RemoteFileRequest("delete", d.Path),
        _ => throw new NotSupportedException(change.GetType().Name),
    };

    private static string Verb(FileChange change) => change switch
    {
        FileChange.EnsureFolder => "mkdir",
        FileChange.Write => "write",
        FileChange.Copy => "copy",
        _ => "delete",
    };

    /// <summary>Checked and removed by RemoteFiles.py on descriptors, in one process: no path is looked up twice.</summary>
    public async Task RemoveLeftoverAsync(string path, LeftoverProof proof, CancellationToken cancellationToken)
    {
        Forgetting(path);
        var answer = (await RunFileProgramAsync([new RemoteFileRequest("rmleftover", path, Proof: proof)], cancellationToken).ConfigureAwait(false))[0];
        switch (answer.Status, answer.Text("reason"))
        {
            case ("ok", _):
                return;
            case ("refused", "notleftover"):
                var why = answer.RefusedLeftover() is { } entry ? proof.Problem(entry) : null;
                throw ManagedFileRefusals.NotLeftover(Name, path, why ?? "it fails the host's checks");
            case ("refused", "leftovertaken"):
                throw ManagedFileRefusals.LeftoverTaken(Name, path);
            default:
                throw Problem(path, "remove", answer);
        }
    }

    /// <summary>One request in its own process; anything but ok, missing or exists becomes the exception that names it.</summary>
    private async Task<RemoteFileAnswer> RunOneAsync(RemoteFileRequest request, string what, CancellationToken ct)
    {
        var answer = (await RunFileProgramAsync([request], ct).ConfigureAwait(false))[0];
        return answer.Status is "ok" or "missing" or "exists" ? answer : throw Problem(request.Path, what, answer);
    }

    /// <summary>Runs RemoteFiles.py once for <paramref name="requests"/>: one answer each, in order, or an exception for them all.</summary>
    private async Task<List<RemoteFileAnswer>> RunFileProgramAsync(IReadOnlyList<RemoteFileRequest> requests, CancellationToken ct)
    {
        var input = RemoteFileProgram.Encode(requests);
        var path = requests[0].Path;
        try
        {
            _options.Wire?.Invoke(Name, true, input);
            var (result, output) = await ExecRawAsync(_fileProgram, input, binaryOutput: true, ct).ConfigureAwait(false);
            _options.Wire?.Invoke(Name, false, output);
            if (result.StandardError.Contains(RemoteFileProgram.NoPython, StringComparison.Ordinal))
                throw new HostOperationException(Name, path, $"pemstate needs python3 on {Name} for its file operations");
            List<RemoteFileAnswer> answers;
            try { answers = RemoteFileProgram.Decode(output); }
            catch (FormatException e) { throw new HostOperationException(Name, path, $"file operations failed: {e.Message}", e); }
            finally { CryptographicOperations.ZeroMemory(output); }
            if (answers.Count != requests.Count)
                throw new HostOperationException(Name, path, $"file operations failed (exit {result.ExitCode}, {answers.Count} of {requests.Count} answered): {LastLine(result.StandardError)}");
            return answers;
        }
        finally { CryptographicOperations.ZeroMemory(input); }
    }

    /// <summary>A traceback's last line says what went wrong; the lines above it name the program's own source lines.</summary>
    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no message)";

    /// <summary>What RemoteFiles.py refused or failed at, in the words the local host uses for the same thing.</summary>
    private HostOperationException Problem(string path, string what, RemoteFileAnswer answer)
    {
        if (answer.Status == "error")
        {
            var errno = answer.Number("errno");
            if (errno is 1 or 13) // EPERM, EACCES
                return new HostOperationException(Name, path, _spec.Sudo || _spec.User == "root"
                    ? $"{what} failed: permission denied"
                    : $"{what} failed: permission denied for {_spec.User} (set sudo: true?)");
            return new HostOperationException(Name, path, $"{what} failed: {answer.Text("message")}");
        }
        if (answer.Status != "refused")
            return new HostOperationException(Name, path, $"{what} failed: unexpected answer '{answer.Status}' from the host's file program");
        return answer.Text("reason") switch
        {
            "kind" => ManagedFileRefusals.NotRegular(Name, path, KindOf(answer.Text("kind"))),
            "size" => ManagedFileRefusals.TooLarge(Name, path, answer.Number("bytes"), answer.Number("limit")),
            "grew" => ManagedFileRefusals.GrewTooLarge(Name, path, answer.Number("limit")),
            "hardlinks" => ManagedFileRefusals.HardLinks(Name, path, answer.Number("links")),
            "untrustedlink" => ManagedFileRefusals.UntrustedLink(Name, path, answer.Text("at") ?? "?", answer.Text("holder") ?? "?", answer.Text("owner") ?? "?"),
            "notfolder" => new HostOperationException(Name, path, $"{answer.Text("at")} is not a folder"),
            "toomanylinks" => new HostOperationException(Name, path, "too many levels of symbolic links"),
            "notabsolute" => new HostOperationException(Name, path, "is not an absolute path"),
            "nofolder" => new HostOperationException(Name, path, $"{what} failed: its folder does not exist"),
            "nouser" => new HostOperationException(Name, path, $"no such user '{answer.Text("user")}'"),
            "isfolder" => new HostOperationException(Name, path, $"{what} failed: is a folder"),
            "changed" => ManagedFileRefusals.Changed(Name, path, answer.Text("found") != "missing"),
            "noopenssl" => new HostOperationException(Name, path, $"{what} failed: pemstate needs openssl on {Name}, where private keys are made and used"),
            "keygen" => new HostOperationException(Name, path, $"{what} failed: the host's openssl made no key"),
            "sign" => new HostOperationException(Name, path, $"{what} failed: the host's openssl could not sign with it (not a readable key?)"),
            "algorithm" => new HostOperationException(Name, path, $"{what} refused: unsupported algorithm"),
            "replaced" => new HostOperationException(Name, path,
                "was replaced by another account while being written: the new file is not in place (nothing was changed through what took its name)"),
            "retaken" => new HostOperationException(Name, path,
                $"{what} failed: it changed while it was being removed, and a new one took its name meanwhile; what was there is kept in {answer.Text("kept")}"),
            var reason => new HostOperationException(Name, path, $"{what} refused: {reason}"),
        };
    }

    private static FileKind KindOf(string? kind) => kind switch
    {
        "fifo" => FileKind.Fifo,
        "chardev" => FileKind.CharacterDevice,
        "blockdev" => FileKind.BlockDevice,
        "folder" => FileKind.Folder,
        "link" => FileKind.SymbolicLink,
        "socket" => FileKind.Socket,
        "regular" => FileKind.Regular,
        _ => 0,
    };

    /// <summary>
    /// The command runs under GNU timeout on the host, which leads a process group of its own and, past the timeout, sends
    /// SIGKILL to that whole group (the shell, what it started, and itself): closing an SSH channel kills nothing on the
    /// other side. A client-side deadline a little later covers a host where that did not end the channel (a background
    /// child that left the group and still holds the output).
    /// </summary>
    public async Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        // stdin is /dev/null on the host, so that the client never sends on the channel: an end-of-input sent as a quick
        // command ends reaches sshd after it freed the channel, and sshd then drops the whole connection
        // ("ieof packet referred to nonexistent channel"), failing every later step on that host.
        var line = $"{(_spec.Sudo ? "sudo -n " : "")}timeout -s KILL {seconds} sh -c {Quote(command)} </dev/null";
        _known.Clear(); // a command may change any file
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (result, clientDeadline) = await ExecBoundedAsync(line, timeout + RemoteKillGrace, cancellationToken).ConfigureAwait(false);
        // timeout(1) killed its own group with it: the session ends by SIGKILL (or sudo's 137 for it), after the time.
        var killed = result.ExitCode == 137 || result.StandardError.EndsWith("(killed by signal KILL)", StringComparison.Ordinal);
        return clientDeadline || (killed && started.Elapsed >= timeout - TimeSpan.FromMilliseconds(100))
            ? result with { TimedOut = true }
            : result;
    }

    /// <summary>How long past the timeout the client waits for the host's own kill to end the channel.</summary>
    private static readonly TimeSpan RemoteKillGrace = TimeSpan.FromSeconds(15);

    public async ValueTask DisposeAsync()
    {
        Task<SshClient>? exec;
        lock (_lock) { (exec, _exec) = (_exec, null); }
        if (exec is { IsCompletedSuccessfully: true }) Close(exec.Result);
        _execGate.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    // ---- connections ----

    private Task<SshClient> ExecClientAsync()
    {
        lock (_lock) return _exec ??= ConnectExecAsync();
    }

    private async Task<SshClient> ConnectExecAsync()
    {
        var client = await ConnectAsync(info => new SshClient(info)).ConfigureAwait(false);
        if (!MustCheckLogin)
        {
            _options.Connected?.Invoke(Name);
            return client;
        }
        try
        {
            await EnsureRootAsync(client).ConfigureAwait(false);
            _options.Connected?.Invoke(Name);
            return client;
        }
        catch
        {
            Close(client);
            throw;
        }
    }

    /// <summary>Only a login named other than root without sudo can lack the rights; root itself costs no round trip.</summary>
    private bool MustCheckLogin => !_spec.Sudo && _spec.User != "root";

    /// <summary>
    /// pemstate writes keys into folders other accounts own and chowns them to those accounts: only root can. A login
    /// without those rights used to get as far as the lock in data_dir and die there with an unhandled exception;
    /// it is refused on connecting instead, before anything is read or written, saying what to change.
    /// </summary>
    private async Task EnsureRootAsync(SshClient client)
    {
        string uid;
        try
        {
            using var command = client.CreateCommand("id -u");
            await command.ExecuteAsync(CancellationToken.None).ConfigureAwait(false);
            uid = command.Result.Trim();
        }
        catch (SshException e) { throw Failed("(exec)", "id -u", e); }
        if (uid == "0") return;
        throw new HostOperationException(Name, _target,
            $"logged in as '{_spec.User}', who is not root, and sudo is not enabled for this host: " +
            $"set sudo: true under hosts.{Name} in the inventory (with passwordless sudo for '{_spec.User}' there) or log in as root");
    }

    /// <summary>
    /// Connects once; every caller awaits the same task, so a host that does not answer costs one connect
    /// timeout, not one per file. The caller's token is not passed on: the attempt is shared, and bounded by the
    /// connect timeout instead.
    /// </summary>
    private async Task<T> ConnectAsync<T>(Func<ConnectionInfo, T> create) where T : BaseClient
    {
        await Task.Yield();
        if (_handshakes is null) return await HandshakeAsync(create).ConfigureAwait(false);
        await _handshakes.WaitAsync().ConfigureAwait(false);
        try { return await HandshakeAsync(create).ConfigureAwait(false); }
        finally { _handshakes.Release(); }
    }

    private async Task<T> HandshakeAsync<T>(Func<ConnectionInfo, T> create) where T : BaseClient
    {
        var info = ConnectionInfo();
        var client = create(info);
        client.HostKeyReceived += (_, e) => e.CanTrust = TrustHostKey(e.HostKey);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await client.ConnectAsync(CancellationToken.None).ConfigureAwait(false);
            client.KeepAliveInterval = TimeSpan.FromSeconds(30);
            if (_options.Logger is { } logger) Log.Connected(logger, Name, _target, watch.ElapsedMilliseconds);
            return client;
        }
        catch (Exception e) when (e is SshException or SocketException or IOException or OperationCanceledException or TimeoutException)
        {
            client.Dispose();
            var failed = ConnectFailed(e);
            if (_options.Logger is { } logger) Log.ConnectFailed(logger, Name, _target, watch.ElapsedMilliseconds, failed.Message);
            throw failed;
        }
    }

    private ConnectionInfo ConnectionInfo()
    {
        var key = LoadIdentity();
        var info = new ConnectionInfo(_spec.Address!, _spec.Port, _spec.User!, new PrivateKeyAuthenticationMethod(_spec.User!, key))
        {
            Timeout = _options.EffectiveConnectTimeout,
        };
        // Like ssh(1): when known_hosts holds keys for this host, ask the server for one of those types,
        // so that a host with several keys is checked against the one we know, not reported as new.
        // Host certificates are never offered: there is no @cert-authority support.
        var knownTypes = _spec.HostKey is null ? KnownHostsFile().KeyTypesFor(_spec.Address!, _spec.Port) : new HashSet<string>();
        foreach (var algorithm in info.HostKeyAlgorithms.Keys.ToList())
        {
            var certificate = algorithm.Contains("-cert-", StringComparison.Ordinal);
            if (certificate || (knownTypes.Count > 0 && !knownTypes.Contains(KeyTypeOf(algorithm))))
                info.HostKeyAlgorithms.Remove(algorithm);
        }
        return info;
    }

    private PrivateKeyFile LoadIdentity()
    {
        var path = _spec.IdentityFile ?? DefaultIdentity()
            ?? throw new HostOperationException(Name, _target, "no identity_file set and none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists");
        string? passphrase = null;
        if (_spec.PassphraseEnv is { } variable)
        {
            passphrase = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(passphrase))
                throw new HostOperationException(Name, _target, $"passphrase_env names {variable}, which is not set");
        }
        try
        {
            return passphrase is null ? new PrivateKeyFile(path) : new PrivateKeyFile(path, passphrase);
        }
        catch (SshPassPhraseNullOrEmptyException e)
        {
            throw new HostOperationException(Name, _target, $"identity file {path} is encrypted; name the variable that holds its passphrase in passphrase_env", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostOperationException(Name, _target, $"cannot read identity file {path}: {e.Message}", e);
        }
        catch (Exception e) when (e is SshException or ArgumentException or FormatException or NotSupportedException
                                      or System.Security.Cryptography.CryptographicException)
        {
            // The message of a failed decryption never holds key bytes; say which file, not what was in it.
            throw new HostOperationException(Name, _target, $"identity file {path} cannot be used (wrong passphrase or unsupported key format)", e);
        }
    }

    private static string? DefaultIdentity()
    {
        var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new[] { "id_ed25519", "id_ecdsa", "id_rsa" }.Select(n => Path.Combine(home, ".ssh", n)).FirstOrDefault(File.Exists);
    }

    private string KnownHostsPath => _spec.KnownHosts ?? Path.Combine(
        Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        ".ssh", "known_hosts");

    private KnownHosts KnownHostsFile() => KnownHosts.Load(KnownHostsPath);

    /// <summary>
    /// The host key decision. The first connection decides (pin, known_hosts, or --accept-new-host-keys);
    /// the second connection to the same host must then present the very same key.
    /// </summary>
    private bool TrustHostKey(byte[] key)
    {
        lock (_lock)
        {
            if (_trustedKey is not null)
            {
                if (_trustedKey.AsSpan().SequenceEqual(key)) return true;
                _hostKeyProblem = $"host key changed between two connections: now {KnownHosts.KeyType(key)} {KnownHosts.Fingerprint(key)}; refusing to continue";
                return false;
            }
            var problem = _spec.HostKey is { } pin ? CheckPinned(pin, key) : CheckKnownHosts(key);
            if (problem is not null)
            {
                _hostKeyProblem = problem;
                return false;
            }
            _trustedKey = key;
            return true;
        }
    }

    private string? CheckPinned(string pin, byte[] key)
    {
        var presented = KnownHosts.Fingerprint(key);
        var wanted = pin.StartsWith("SHA256:", StringComparison.Ordinal) ? pin.TrimEnd('=') : "SHA256:" + pin.TrimEnd('=');
        return string.Equals(presented, wanted, StringComparison.Ordinal) ? null
            : $"host key mismatch: the server presents {KnownHosts.KeyType(key)} {presented}, the inventory pins host_key: {pin}. " +
              "Nothing was done. This may be an attack or a re-installed host; if you have checked the new fingerprint out of band " +
              $"(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the host), set host_key: {presented}";
    }

    private string? CheckKnownHosts(byte[] key)
    {
        var file = KnownHostsFile();
        var (address, port) = (_spec.Address!, _spec.Port);
        var type = KnownHosts.KeyType(key);
        var fingerprint = KnownHosts.Fingerprint(key);
        var name = KnownHosts.HostName(address, port);
        switch (file.Check(address, port, key))
        {
            case HostKeyVerdict.Known:
                return null;
            case HostKeyVerdict.Revoked:
                return $"host key {type} {fingerprint} is marked @revoked in {KnownHostsPath}; refusing to connect";
            case HostKeyVerdict.Changed:
                var old = string.Join(", ", file.FingerprintsFor(address, port, type));
                return $"HOST KEY CHANGED for {name}: the server presents {type} {fingerprint}, but {KnownHostsPath} holds {old}. " +
                       "Nothing was done. This may be an attack (man in the middle) or a re-installed host; --accept-new-host-keys never replaces a key. " +
                       $"If the change is expected and the new fingerprint checked out of band, remove the old key with: ssh-keygen -R '{name}' -f {KnownHostsPath}";
            default:
                if (_options.AcceptNewHostKeys)
                {
                    if (KnownHosts.AppendUnknown(KnownHostsPath, address, port, key))
                        _options.Notice?.Invoke($"{Name}: added {type} {fingerprint} for {name} to {KnownHostsPath} (--accept-new-host-keys)");
                    else if (KnownHostsFile().Check(address, port, key) != HostKeyVerdict.Known)
                        return $"host key {type} {fingerprint} for {name} conflicts with a line added meanwhile to {KnownHostsPath}";
                    return null;
                }
                var keyscanPort = port == 22 ? "" : $"-p {port} ";
                return $"unknown host key for {name}: {type} {fingerprint} is not in {KnownHostsPath}. Nothing was done. " +
                       "After checking the fingerprint out of band (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the host), trust it by " +
                       $"running again with --accept-new-host-keys, or by adding this line to {KnownHostsPath}: {KnownHosts.Line(address, port, key)} " +
                       $"(ssh-keyscan {keyscanPort}-t {KeyScanType(type)} {address} prints it), or pin it in the inventory: host_key: {fingerprint}";
        }
    }

    private HostOperationException ConnectFailed(Exception e)
    {
        string? problem;
        lock (_lock) problem = _hostKeyProblem;
        if (problem is not null) return new HostOperationException(Name, _target, problem, e);
        var timeout = _options.EffectiveConnectTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        return e switch
        {
            HostOperationException h => h,
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } => new(Name, _target, "unreachable: connection refused (is sshd running on that port?)", e),
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } => new(Name, _target, $"unreachable: cannot resolve {_spec.Address}", e),
            SocketException s => new(Name, _target, $"unreachable: {s.Message}", e),
            SshOperationTimeoutException or TimeoutException or OperationCanceledException => new(Name, _target, $"unreachable: no answer within {timeout} s", e),
            SshAuthenticationException => new(Name, _target, $"login failed for {_spec.User} with identity file {_spec.IdentityFile ?? "(default)"}: {e.Message}", e),
            SshConnectionException when e.Message.Contains("host key", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("negotiat", StringComparison.OrdinalIgnoreCase)
                => new(Name, _target, HostKeyNegotiationFailed(e), e),
            _ => new(Name, _target, $"ssh connection failed: {e.Message}", e),
        };
    }

    private string HostKeyNegotiationFailed(Exception e)
    {
        var known = _spec.HostKey is null ? KnownHostsFile().KeyTypesFor(_spec.Address!, _spec.Port) : new HashSet<string>();
        return known.Count == 0
            ? $"ssh handshake failed: {e.Message}"
            : $"the server offers none of the host key types {KnownHostsPath} holds for {KnownHosts.HostName(_spec.Address!, _spec.Port)} " +
              $"({string.Join(", ", known.Order(StringComparer.Ordinal))}): its host key may have changed. Nothing was done. " +
              $"Check the new key out of band, then remove the old one with ssh-keygen -R '{KnownHosts.HostName(_spec.Address!, _spec.Port)}' -f {KnownHostsPath}";
    }

    // ---- exec ----

    /// <summary>
    /// Runs one command. With <paramref name="binaryOutput"/> the standard output comes back as its bytes (an SSH
    /// channel carries bytes as they are) and <see cref="CommandResult.StandardOutput"/> is empty.
    /// </summary>
    private async Task<(CommandResult Result, byte[] Output)> ExecRawAsync(string commandLine, ReadOnlyMemory<byte>? input, bool binaryOutput, CancellationToken ct)
    {
        var client = await ExecClientAsync().ConfigureAwait(false);
        await _execGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref _commandsRun);
            _options.CommandRun?.Invoke(Name);
            using var command = client.CreateCommand(commandLine);
            var running = command.ExecuteAsync(ct);
            // Always close stdin: a command that reads it must see end of input, as with LocalHost. A command that
            // ended before reading its input (SSH.NET then refuses the stream, or the channel is gone under the write)
            // says why in its exit status and stderr, which are worth more than the failed write: wait for those.
            try
            {
                var stdin = command.CreateInputStream();
                await using (stdin.ConfigureAwait(false))
                {
                    if (input is { } bytes) await stdin.WriteAsync(bytes, ct).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException or SshException && !ct.IsCancellationRequested) { }
            await running.ConfigureAwait(false);
            var exit = command.ExitStatus ?? (command.ExitSignal is null ? 255 : 128);
            var error = command.Error;
            if (command.ExitSignal is { } signal) error += $"(killed by signal {signal})";
            if (!binaryOutput) return (new CommandResult(exit, command.Result, error), []);
            using var output = new MemoryStream();
            await command.OutputStream.CopyToAsync(output, ct).ConfigureAwait(false);
            return (new CommandResult(exit, "", error), output.ToArray());
        }
        catch (SshException e) { throw Failed("(exec)", "command", e); }
        finally { _execGate.Release(); }
    }

    /// <summary>
    /// Runs a command whose output is for people: stdout and stderr are read while it runs into bounded buffers (SSH.NET
    /// would keep all of it), and the channel is given up after <paramref name="limit"/>; then the second value is true.
    /// </summary>
    private async Task<(CommandResult Result, bool TimedOut)> ExecBoundedAsync(string commandLine, TimeSpan limit, CancellationToken ct)
    {
        var client = await ExecClientAsync().ConfigureAwait(false);
        await _execGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref _commandsRun);
            _options.CommandRun?.Invoke(Name);
            using var command = client.CreateCommand(commandLine);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(limit);
            var running = command.ExecuteAsync(deadline.Token);
            var (stdout, stderr) = (new BoundedOutput(), new BoundedOutput());
            // Synchronous reads of SSH.NET's pipe streams, each on a thread of its own until the channel ends.
            var reading = Task.WhenAll(
                Task.Run(() => stdout.ReadFromAsync(command.OutputStream, CancellationToken.None), CancellationToken.None),
                Task.Run(() => stderr.ReadFromAsync(command.ExtendedOutputStream, CancellationToken.None), CancellationToken.None));
            // The exit status arrives when the command's shell exits; the channel closes only when nothing holds its
            // output any more, which a daemon the command started (pg_ctl without -l) may never do. Give it a moment.
            var shellExited = false;
            while (!running.IsCompleted && !shellExited)
            {
                await Task.WhenAny(running, Task.Delay(100, CancellationToken.None)).ConfigureAwait(false);
                if (command.ExitStatus is null && command.ExitSignal is null) continue;
                await Task.WhenAny(running, Task.Delay(LocalHost.OutputGrace, CancellationToken.None)).ConfigureAwait(false);
                shellExited = true;
                if (!running.IsCompleted) await deadline.CancelAsync().ConfigureAwait(false);
            }
            var timedOut = false;
            try { await running.ConfigureAwait(false); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { timedOut = !shellExited; }
            await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
            var exit = command.ExitStatus ?? (command.ExitSignal is null ? 255 : 128);
            var error = stderr.ToString();
            if (command.ExitSignal is { } signal) error += $"(killed by signal {signal})";
            return (new CommandResult(exit, stdout.ToString(), error), timedOut);
        }
        catch (SshException e) { throw Failed("(exec)", "command", e); }
        finally { _execGate.Release(); }
    }

    /// <summary>A fixed script with its arguments as positional parameters, so that no path is ever parsed by the shell.</summary>
    private static string ShellLine(string script, IReadOnlyList<string> arguments, bool sudo)
    {
        var line = new StringBuilder(sudo ? "sudo -n sh -c " : "sh -c ").Append(Quote(script)).Append(" sh");
        foreach (var argument in arguments) line.Append(' ').Append(Quote(argument));
        return line.ToString();
    }

    internal static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    // ---- helpers ----

    private HostOperationException Failed(string path, string what, SshException e) =>
        e is SshConnectionException
            ? new HostOperationException(Name, path, $"{what} failed: connection to {_target} lost ({e.Message})", e)
            : new HostOperationException(Name, path, $"{what} failed: {e.Message}", e);

    private static void Close(BaseClient client)
    {
        try { client.Disconnect(); }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException) { }
        client.Dispose();
    }

    /// <summary>The known_hosts key type an SSH host key algorithm uses (rsa-sha2-512 signs with an ssh-rsa key).</summary>
    internal static string KeyTypeOf(string algorithm) =>
        algorithm is "rsa-sha2-256" or "rsa-sha2-512" ? "ssh-rsa" : algorithm;

    private static string KeyScanType(string keyType) => keyType switch
    {
        "ssh-ed25519" => "ed25519",
        "ssh-rsa" => "rsa",
        _ when keyType.StartsWith("ecdsa-", StringComparison.Ordinal) => "ecdsa",
        _ => keyType,
    };
}
