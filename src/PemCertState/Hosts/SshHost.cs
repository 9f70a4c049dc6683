using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using PemCertState.Inventory;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace PemCertState.Hosts;

/// <summary>
/// A machine reached over SSH (SSH.NET). Files are written over SFTP and read over exec in batches, commands
/// run over exec; with <c>sudo: true</c> everything goes over exec through <c>sudo -n</c>, because SFTP runs as
/// the login user.
/// Connections are opened on first use and reused for every step; a failed connection is remembered, so
/// that the many parallel reads of an observation fail once, fast, with the same reason.
/// </summary>
public sealed class SshHost : IHost
{
    private readonly HostSpec _spec;
    private readonly SshOptions _options;
    private readonly string _target;
    private readonly Lock _lock = new();

    // SSH.NET's SftpSession matches replies to requests by id, but its file streams and uploads are not
    // documented as safe for concurrent use (sshnet/SSH.NET#640, #669): one SFTP operation at a time per
    // host. Hosts still run in parallel, and each operation is a few round trips.
    private readonly SemaphoreSlim _sftpGate = new(1, 1);

    // Likewise one command at a time per host: with several SshCommand.ExecuteAsync in flight on one SshClient, an
    // apply of 100 agents on 10 hosts hung after a few dozen agents, client and sshd both idle (a channel's close
    // never reached its waiting command). Commands are short; hosts still run in parallel.
    private readonly SemaphoreSlim _execGate = new(1, 1);

    private readonly ConcurrentDictionary<string, Task<(uint Uid, uint Gid, string Name)?>> _users = new(StringComparer.Ordinal);

    private Task<SftpClient>? _sftp;
    private Task<SshClient>? _exec;
    private byte[]? _trustedKey;
    private string? _hostKeyProblem;

    public SshHost(HostSpec spec, SshOptions options)
    {
        if (spec.Transport != HostTransport.Ssh || spec.Address is null || spec.User is null)
            throw new ArgumentException("an ssh host needs an address and a user", nameof(spec));
        _spec = spec;
        _options = options;
        _target = $"{spec.User}@{spec.Address}:{spec.Port}";
        Name = spec.Name;
        _reads = new(ReadManyAsync, maxBatch: 256, ready: ExecClientAsync);
    }

    public string Name { get; }

    /// <summary>Commands run on the host so far (each a process start there); tests hold the read batching to it.</summary>
    internal int CommandsRun => Volatile.Read(ref _commandsRun);
    private int _commandsRun;

    public async Task<FileSnapshot> ReadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (snapshot, error) = await _reads.AddAsync(path).WaitAsync(cancellationToken).ConfigureAwait(false);
        return snapshot ?? throw error!;
    }

    /// <summary>
    /// Reads coalesce: every read asked for while a batch is on the wire goes in the next batch, one command for
    /// up to 256 files (see <see cref="ReadManyAsync"/>) instead of four SFTP round trips a file, one at a time.
    /// </summary>
    private readonly Batcher<string, (FileSnapshot? Snapshot, HostOperationException? Error)> _reads;

    /// <summary>stat -L judges a linked key or certificate by its target, as locally; sudo: true reads through sudo -n.</summary>
    private async Task<IReadOnlyList<(FileSnapshot? Snapshot, HostOperationException? Error)>> ReadManyAsync(IReadOnlyList<string> paths)
    {
        if (!_tarMissing && await ReadWithTarAsync(paths).ConfigureAwait(false) is { } fast) return fast;
        return await ReadEachAsync(paths).ConfigureAwait(false);
    }

    private bool _tarMissing;

    /// <summary>
    /// The whole batch as one tar stream (GNU tar: -h follows links as stat -L does, --hard-dereference stores a
    /// second name of a file already in the archive as the file again, not as a hard-link entry, -P keeps the
    /// absolute names, --no-recursion never walks a folder), its bytes straight off the channel: one process on the host for the
    /// batch, where a stat and a base64 a file cost two each, and process starts are what a busy host is slow at. A path missing from the archive is
    /// missing when tar said "No such file"; anything else tar could not read is read again one by one, so that
    /// its error is told as before.
    /// </summary>
    private async Task<List<(FileSnapshot? Snapshot, HostOperationException? Error)>?> ReadWithTarAsync(IReadOnlyList<string> paths)
    {
        const string Script = """tar -cPh --hard-dereference --no-recursion --format=pax -f - -- "$@" """;
        var (result, archiveBytes) = await ExecRawAsync(ShellLine(Script, paths, _spec.Sudo), null, binaryOutput: true, CancellationToken.None).ConfigureAwait(false);
        if (result.StandardError.Contains("tar: not found", StringComparison.Ordinal) || result.StandardError.Contains("tar: command not found", StringComparison.Ordinal))
        {
            _tarMissing = true;
            return null;
        }
        var entries = new Dictionary<string, FileSnapshot>(StringComparer.Ordinal);
        try
        {
            using var archive = new MemoryStream(archiveBytes, writable: false);
            using var reader = new System.Formats.Tar.TarReader(archive);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.EntryType is not (System.Formats.Tar.TarEntryType.RegularFile or System.Formats.Tar.TarEntryType.V7RegularFile)) continue;
                var content = new byte[entry.Length];
                if (entry.DataStream is { } data) data.ReadExactly(content);
                var owner = entry is System.Formats.Tar.PosixTarEntry posix && posix.UserName.Length > 0 ? posix.UserName : null;
                entries[entry.Name] = new FileSnapshot(Name, entry.Name, true, content, entry.Mode & (UnixFileMode)0xFFF, owner);
            }
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException)
        {
            return null;
        }
        var answers = new List<(FileSnapshot?, HostOperationException?)>(paths.Count);
        foreach (var path in paths)
        {
            if (entries.TryGetValue(path, out var snapshot)) answers.Add((snapshot, null));
            else if (result.StandardError.Contains($"{path}: Cannot stat: No such file or directory", StringComparison.Ordinal)) answers.Add((FileSnapshot.Missing(Name, path), null));
            else return null;
        }
        return answers;
    }

    private async Task<List<(FileSnapshot? Snapshot, HostOperationException? Error)>> ReadEachAsync(IReadOnlyList<string> paths)
    {
        // Per path: "-" when missing, "! reason" when unreadable, else "<raw mode in hex> <owner>" and a line of base64.
        const string Script = """
            for f do
              if [ ! -e "$f" ]; then echo -; continue; fi
              if ! h=$(stat -L -c '%f %U' -- "$f" 2>&1); then printf '! %s\n' "$(printf %s "$h" | tr '\n' ' ')"; continue; fi
              if ! b=$(base64 -w0 -- "$f" 2>&1); then printf '! %s\n' "$(printf %s "$b" | tr '\n' ' ')"; continue; fi
              printf '%s\n%s\n' "$h" "$b"
            done
            """;
        var result = await ShellAsync(Script, paths, null, _spec.Sudo, CancellationToken.None).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new HostOperationException(Name, paths[0], $"read failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
        var lines = result.StandardOutput.Split('\n');
        var answers = new List<(FileSnapshot?, HostOperationException?)>(paths.Count);
        var at = 0;
        foreach (var path in paths)
        {
            var head = at < lines.Length ? lines[at++] : throw new HostOperationException(Name, path, "read failed: the answer ended early");
            if (head == "-")
            {
                answers.Add((FileSnapshot.Missing(Name, path), null));
                continue;
            }
            if (head.StartsWith('!'))
            {
                var reason = head.TrimStart('!').Trim();
                answers.Add((null, new HostOperationException(Name, path, reason.Contains("Permission denied", StringComparison.OrdinalIgnoreCase)
                    ? $"permission denied for {_spec.User} (set sudo: true?)" : $"read failed: {reason}")));
                continue;
            }
            var fields = head.Split(' ', 2);
            if (fields.Length != 2 || !uint.TryParse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var rawMode) || at >= lines.Length)
                throw new HostOperationException(Name, path, "read failed: unexpected answer from stat");
            byte[] content;
            try { content = Convert.FromBase64String(lines[at++]); }
            catch (FormatException e) { throw new HostOperationException(Name, path, "read failed: the content did not arrive as base64", e); }
            answers.Add((new FileSnapshot(Name, path, true, content, (UnixFileMode)(rawMode & 0xFFF), fields[1] == "UNKNOWN" ? null : fields[1]), null));
        }
        return answers;
    }

    public async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, string? owner, CancellationToken cancellationToken)
    {
        var (folder, fileName) = Split(path);
        (uint Uid, uint Gid, string Name)? user = owner is null ? null
            : await LookUpUserAsync(owner, cancellationToken).ConfigureAwait(false) ?? throw new HostOperationException(Name, path, $"no such user '{owner}'");
        if (_spec.Sudo)
        {
            await WriteWithSudoAsync(path, content, mode, user, cancellationToken).ConfigureAwait(false);
            return;
        }

        // SSH.NET sends SSH_FXP_OPEN without attributes, so sftp-server creates the file 0666 & ~umask
        // (0644 as a rule) and a chmod afterwards would leave a moment in which others may open it and keep
        // the descriptor. Instead the file is created inside a fresh folder that is made 0700 before
        // anything exists in it: from then on nobody else can look a name up in it, and nobody can hold
        // a descriptor of a file that did not exist yet. The file is then given its mode and owner, made
        // durable and renamed over the destination (same filesystem, so rename(2) is atomic), and the
        // folder removed.
        var privateFolder = $"{folder.TrimEnd('/')}/.pemstate-{Guid.NewGuid():N}";
        var temp = $"{privateFolder}/{fileName}";
        var sftp = await SftpAsync().ConfigureAwait(false);
        var created = false;
        try
        {
            await _sftpGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await sftp.CreateDirectoryAsync(privateFolder, cancellationToken).ConfigureAwait(false);
                created = true;
                sftp.ChangePermissions(privateFolder, OctalDigits(FileModes.PrivateDirectory));
                var folderAttributes = await sftp.GetAttributesAsync(privateFolder, cancellationToken).ConfigureAwait(false);
                if (!folderAttributes.IsDirectory || ModeOf(folderAttributes) != FileModes.PrivateDirectory)
                    throw new HostOperationException(Name, path, $"the private folder {privateFolder} is not a 0700 folder after chmod; nothing written");

                await using (var stream = await sftp.OpenAsync(temp, FileMode.CreateNew, FileAccess.Write, cancellationToken).ConfigureAwait(false))
                    await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                var attributes = await sftp.GetAttributesAsync(temp, cancellationToken).ConfigureAwait(false);
                attributes.SetPermissions(OctalDigits(mode));
                if (user is { } u)
                {
                    attributes.UserId = (int)u.Uid;
                    attributes.GroupId = (int)u.Gid;
                }
                sftp.SetAttributes(temp, attributes);
            }
            finally { _sftpGate.Release(); }

            // SSH.NET does not implement fsync@openssh.com; sync(1) over exec flushes the file before the
            // rename and the folder after it. mv within one folder tree is rename(2).
            const string Commit = """
                { sync -- "$1" 2>/dev/null || sync; } && mv -f -- "$1" "$2" && { sync -- "$3" 2>/dev/null || true; } && rmdir -- "$4"
                """;
            var result = await ShellAsync(Commit, [temp, path, folder, privateFolder], null, sudo: false, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
                throw new HostOperationException(Name, path, $"rename into place failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
            created = false;
        }
        catch (SftpPermissionDeniedException e) { throw new HostOperationException(Name, path, $"permission denied for {_spec.User} (set sudo: true?)", e); }
        catch (SftpPathNotFoundException e) { throw new HostOperationException(Name, path, $"folder {folder} does not exist", e); }
        catch (SshException e) { throw Failed(path, "write", e); }
        finally
        {
            if (created) await RemoveQuietlyAsync(sftp, temp, privateFolder).ConfigureAwait(false);
        }
    }

    public async Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        if (_spec.Sudo)
        {
            await RunCheckedAsync(path, "chmod", """chmod "$2" -- "$1" """, [path, FileModes.Format(FileModes.Permissions(mode))], cancellationToken).ConfigureAwait(false);
            return;
        }
        var sftp = await SftpAsync().ConfigureAwait(false);
        await _sftpGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { sftp.ChangePermissions(path, OctalDigits(mode)); }
        catch (SftpPermissionDeniedException e) { throw new HostOperationException(Name, path, $"chmod: permission denied for {_spec.User}", e); }
        catch (SftpPathNotFoundException e) { throw new HostOperationException(Name, path, "chmod: no such file", e); }
        catch (SshException e) { throw Failed(path, "chmod", e); }
        finally { _sftpGate.Release(); }
    }

    public async Task SetOwnerAsync(string path, string owner, CancellationToken cancellationToken)
    {
        var user = await LookUpUserAsync(owner, cancellationToken).ConfigureAwait(false) ?? throw new HostOperationException(Name, path, $"no such user '{owner}'");
        if (_spec.Sudo)
        {
            await RunCheckedAsync(path, "chown", """chown "$2" -- "$1" """, [path, $"{user.Uid}:{user.Gid}"], cancellationToken).ConfigureAwait(false);
            return;
        }
        var sftp = await SftpAsync().ConfigureAwait(false);
        await _sftpGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var attributes = await sftp.GetAttributesAsync(path, cancellationToken).ConfigureAwait(false);
            attributes.UserId = (int)user.Uid;
            attributes.GroupId = (int)user.Gid;
            sftp.SetAttributes(path, attributes);
        }
        catch (SftpPermissionDeniedException e) { throw new HostOperationException(Name, path, $"chown: permission denied for {_spec.User}", e); }
        catch (SftpPathNotFoundException e) { throw new HostOperationException(Name, path, "chown: no such file", e); }
        catch (SshException e) { throw Failed(path, "chown", e); }
        finally { _sftpGate.Release(); }
    }

    public async Task EnsureDirectoryAsync(string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        if (_spec.Sudo)
        {
            // umask 077 before mkdir -p: the folders are never more open than the mode asked for, not even for a moment.
            await RunCheckedAsync(path, "mkdir", """[ -d "$1" ] || (umask 077 && mkdir -p -- "$1" && chmod "$2" -- "$1")""",
                [path, FileModes.Format(FileModes.Permissions(mode))], cancellationToken).ConfigureAwait(false);
            return;
        }
        var sftp = await SftpAsync().ConfigureAwait(false);
        await _sftpGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var missing = new Stack<string>();
            for (var current = path.TrimEnd('/'); current.Length > 0; current = ParentOf(current))
            {
                try
                {
                    var attributes = await sftp.GetAttributesAsync(current, cancellationToken).ConfigureAwait(false);
                    if (!attributes.IsDirectory && !attributes.IsSymbolicLink)
                        throw new HostOperationException(Name, path, $"{current} exists and is not a folder");
                    break;
                }
                catch (SftpPathNotFoundException) { missing.Push(current); }
            }
            while (missing.TryPop(out var folder))
            {
                await sftp.CreateDirectoryAsync(folder, cancellationToken).ConfigureAwait(false);
                sftp.ChangePermissions(folder, OctalDigits(mode));
            }
        }
        catch (SftpPermissionDeniedException e) { throw new HostOperationException(Name, path, $"mkdir: permission denied for {_spec.User}", e); }
        catch (SshException e) when (e is not SftpPathNotFoundException) { throw Failed(path, "mkdir", e); }
        finally { _sftpGate.Release(); }
    }

    // The lock, the journal and the backup catalog need four small operations more. They go over exec (with sudo when
    // the host asks for it): the shell's noclobber gives O_EXCL, and umask 077 makes a new file private from its creation.

    public async Task<bool> TryCreateExclusiveAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var result = await ShellAsync("""[ -e "$1" ] && exit 3; umask 077; set -C; cat > "$1" || exit 3; chmod "$2" -- "$1" && sync -- "$1" """,
            [path, FileModes.Format(FileModes.Permissions(mode))], content, _spec.Sudo, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 3) return false;
        if (!result.Succeeded) throw new HostOperationException(Name, path, $"create failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
        return true;
    }

    public async Task AppendAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var result = await ShellAsync("""umask 077; if [ ! -e "$1" ]; then : > "$1" && chmod "$2" -- "$1" || exit 1; fi; cat >> "$1" && sync -- "$1" """,
            [path, FileModes.Format(FileModes.Permissions(mode))], content, _spec.Sudo, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded) throw new HostOperationException(Name, path, $"append failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken) =>
        RunCheckedAsync(path, "rm", """rm -f -- "$1" """, [path], cancellationToken);

    public Task DeleteDirectoryAsync(string path, CancellationToken cancellationToken) =>
        RunCheckedAsync(path, "rm -r", """rm -rf -- "$1" """, [path], cancellationToken);

    public async Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var result = await ShellAsync("""[ -d "$1" ] || exit 0; ls -A1 -- "$1" """, [path], null, _spec.Sudo, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded) throw new HostOperationException(Name, path, $"list failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
    }

    public async Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken)
    {
        var line = _spec.Sudo ? $"sudo -n sh -c {Quote(command)}" : command;
        return await ExecAsync(line, null, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Task<SftpClient>? sftp;
        Task<SshClient>? exec;
        lock (_lock) { (sftp, exec, _sftp, _exec) = (_sftp, _exec, null, null); }
        if (sftp is { IsCompletedSuccessfully: true }) Close(sftp.Result);
        if (exec is { IsCompletedSuccessfully: true }) Close(exec.Result);
        _sftpGate.Dispose();
        _execGate.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    // ---- connections ----

    private Task<SftpClient> SftpAsync()
    {
        lock (_lock) return _sftp ??= ConnectSftpAsync();
    }

    private Task<SshClient> ExecClientAsync()
    {
        lock (_lock) return _exec ??= ConnectExecAsync();
    }

    /// <summary>SFTP acts as the login user, so it waits for the exec connection's check of who that is.</summary>
    private async Task<SftpClient> ConnectSftpAsync()
    {
        if (MustCheckLogin) await ExecClientAsync().ConfigureAwait(false);
        return await ConnectAsync(info => new SftpClient(info)).ConfigureAwait(false);
    }

    private async Task<SshClient> ConnectExecAsync()
    {
        var client = await ConnectAsync(info => new SshClient(info)).ConfigureAwait(false);
        if (!MustCheckLogin) return client;
        try
        {
            await EnsureRootAsync(client).ConfigureAwait(false);
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
        var info = ConnectionInfo();
        var client = create(info);
        client.HostKeyReceived += (_, e) => e.CanTrust = TrustHostKey(e.HostKey);
        try
        {
            await client.ConnectAsync(CancellationToken.None).ConfigureAwait(false);
            client.KeepAliveInterval = TimeSpan.FromSeconds(30);
            return client;
        }
        catch (Exception e) when (e is SshException or SocketException or IOException or OperationCanceledException or TimeoutException)
        {
            client.Dispose();
            throw ConnectFailed(e);
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

    private async Task<CommandResult> ExecAsync(string commandLine, ReadOnlyMemory<byte>? input, CancellationToken ct)
        => (await ExecRawAsync(commandLine, input, binaryOutput: false, ct).ConfigureAwait(false)).Result;

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
            using var command = client.CreateCommand(commandLine);
            var running = command.ExecuteAsync(ct);
            // Always close stdin: a command that reads it must see end of input, as with LocalHost. A command quick
            // enough to have finished already (SSH.NET then refuses the stream) needed no input.
            Stream? stdin = null;
            try { stdin = command.CreateInputStream(); }
            catch (InvalidOperationException) when (input is null) { }
            if (stdin is not null)
            {
                await using (stdin.ConfigureAwait(false))
                {
                    if (input is { } bytes) await stdin.WriteAsync(bytes, ct).ConfigureAwait(false);
                }
            }
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

    /// <summary>Runs a fixed script with its arguments as positional parameters, so that no path is ever parsed by the shell.</summary>
    private Task<CommandResult> ShellAsync(string script, IReadOnlyList<string> arguments, ReadOnlyMemory<byte>? input, bool sudo, CancellationToken ct)
        => ExecAsync(ShellLine(script, arguments, sudo), input, ct);

    private static string ShellLine(string script, IReadOnlyList<string> arguments, bool sudo)
    {
        var line = new StringBuilder(sudo ? "sudo -n sh -c " : "sh -c ").Append(Quote(script)).Append(" sh");
        foreach (var argument in arguments) line.Append(' ').Append(Quote(argument));
        return line.ToString();
    }

    private async Task RunCheckedAsync(string path, string what, string script, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var result = await ShellAsync(script, arguments, null, _spec.Sudo, ct).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new HostOperationException(Name, path, $"{what} failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
    }

    internal static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    // ---- sudo: files over exec ----

    private async Task WriteWithSudoAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, (uint Uid, uint Gid, string Name)? user, CancellationToken ct)
    {
        // The content travels on stdin, never on a command line (visible in ps). mktemp -d makes a 0700 folder
        // and umask 077 makes the file 0600 at creation; only then is it given its final mode and owner,
        // flushed, and renamed over the destination.
        const string Script = """
            set -e
            umask 077
            d=$(mktemp -d "$(dirname -- "$1")/.pemstate-XXXXXXXX")
            trap 'rm -rf -- "$d"' EXIT
            cat > "$d/f"
            chmod "$2" -- "$d/f"
            if [ -n "$3" ]; then chown "$3" -- "$d/f"; fi
            sync -- "$d/f" 2>/dev/null || sync
            mv -f -- "$d/f" "$1"
            sync -- "$(dirname -- "$1")" 2>/dev/null || true
            """;
        var owner = user is { } u ? $"{u.Uid}:{u.Gid}" : "";
        var result = await ShellAsync(Script, [path, FileModes.Format(FileModes.Permissions(mode)), owner], content, sudo: true, ct).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new HostOperationException(Name, path, $"write failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
    }

    // ---- users ----

    /// <summary>
    /// getent on the remote host (names may come from LDAP or sssd there, not from this machine), once per name
    /// or uid per run. Not cancelled by one caller's token: the answer is shared.
    /// </summary>
    private Task<(uint Uid, uint Gid, string Name)?> LookUpUserAsync(string nameOrUid, CancellationToken ct) =>
        _users.GetOrAdd(nameOrUid, key => GetentAsync(key, CancellationToken.None)).WaitAsync(ct);

    private async Task<(uint Uid, uint Gid, string Name)?> GetentAsync(string key, CancellationToken ct)
    {
        var result = await ShellAsync("""getent passwd -- "$1" """, [key], null, sudo: false, ct).ConfigureAwait(false);
        var fields = result.StandardOutput.Split('\n')[0].Split(':');
        if (result.Succeeded && fields.Length >= 4
            && uint.TryParse(fields[2], CultureInfo.InvariantCulture, out var uid)
            && uint.TryParse(fields[3], CultureInfo.InvariantCulture, out var gid))
            return (uid, gid, fields[0]);
        return null;
    }

    // ---- helpers ----

    private HostOperationException Failed(string path, string what, SshException e) =>
        e is SshConnectionException
            ? new HostOperationException(Name, path, $"{what} failed: connection to {_target} lost ({e.Message})", e)
            : new HostOperationException(Name, path, $"{what} failed: {e.Message}", e);

    private async Task RemoveQuietlyAsync(SftpClient sftp, string file, string folder)
    {
        await _sftpGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            try { sftp.DeleteFile(file); } catch (SshException) { }
            try { sftp.DeleteDirectory(folder); } catch (SshException) { }
        }
        catch (ObjectDisposedException) { }
        finally { _sftpGate.Release(); }
    }

    private static void Close(BaseClient client)
    {
        try { client.Disconnect(); }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException) { }
        client.Dispose();
    }

    private (string Folder, string Name) Split(string path)
    {
        var slash = path.LastIndexOf('/');
        if (slash < 0 || slash == path.Length - 1)
            throw new HostOperationException(Name, path, "needs an absolute path with a parent folder");
        return (slash == 0 ? "/" : path[..slash], path[(slash + 1)..]);
    }

    private static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "" : path[..slash];
    }

    /// <summary>SSH.NET takes a mode as the decimal number whose digits are the octal digits (0640 as 640).</summary>
    private static short OctalDigits(UnixFileMode mode) =>
        short.Parse(Convert.ToString((int)mode & 0xFFF, 8), CultureInfo.InvariantCulture);

    internal static UnixFileMode ModeOf(SftpFileAttributes a)
    {
        var mode = (UnixFileMode)0;
        if (a.IsUIDBitSet) mode |= UnixFileMode.SetUser;
        if (a.IsGroupIDBitSet) mode |= UnixFileMode.SetGroup;
        if (a.IsStickyBitSet) mode |= UnixFileMode.StickyBit;
        if (a.OwnerCanRead) mode |= UnixFileMode.UserRead;
        if (a.OwnerCanWrite) mode |= UnixFileMode.UserWrite;
        if (a.OwnerCanExecute) mode |= UnixFileMode.UserExecute;
        if (a.GroupCanRead) mode |= UnixFileMode.GroupRead;
        if (a.GroupCanWrite) mode |= UnixFileMode.GroupWrite;
        if (a.GroupCanExecute) mode |= UnixFileMode.GroupExecute;
        if (a.OthersCanRead) mode |= UnixFileMode.OtherRead;
        if (a.OthersCanWrite) mode |= UnixFileMode.OtherWrite;
        if (a.OthersCanExecute) mode |= UnixFileMode.OtherExecute;
        return mode;
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
