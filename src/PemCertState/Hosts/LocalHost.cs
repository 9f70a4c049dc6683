using System.Diagnostics;

namespace PemCertState.Hosts;

/// <summary>The machine pemstate runs on.</summary>
/// <param name="workingDirectory">Where restart commands run (the inventory's folder), so that lab commands may use relative paths.</param>
public sealed class LocalHost(string name, string workingDirectory) : IHost
{
    public string Name { get; } = name;

    /// <summary>
    /// Synchronous on purpose: the files are a few KiB and in the page cache, and .NET's async file reads on Linux
    /// are the same read(2) handed to the thread pool, plus a state machine and two hops, 30,000 times for a
    /// 10,000-agent plan. The observer already reads many agents at once.
    /// </summary>
    public Task<FileSnapshot> ReadAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(path));
    }

    private FileSnapshot Read(string path)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException) { return FileSnapshot.Missing(Name, path); }
        catch (DirectoryNotFoundException) { return FileSnapshot.Missing(Name, path); }
        catch (UnauthorizedAccessException e) { throw new HostOperationException(Name, path, "permission denied", e); }
        catch (IOException e) { throw new HostOperationException(Name, path, e.Message, e); }

        // One statx for mode and owner (was a stat and a statx per file).
        if (Posix.ModeAndOwner(path) is { } stat)
            return new FileSnapshot(Name, path, true, content, stat.Mode, Posix.UserName(stat.Uid));
        var mode = File.GetUnixFileMode(path);
        var uid = Posix.OwnerUid(path);
        return new FileSnapshot(Name, path, true, content, mode, uid is { } u ? Posix.UserName(u) : null);
    }

    public async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, string? owner, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path) ?? throw new HostOperationException(Name, path, "has no parent folder");
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.pemstate-tmp");
        (uint Uid, uint Gid)? user = owner is null ? null : Posix.LookUpUser(owner) ?? throw new HostOperationException(Name, path, $"no such user '{owner}'");
        try
        {
            // The mode is given to open(2), so the bytes never sit in a file others may read.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode };
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, mode); // the umask may have taken bits away from a 0644 config
            if (user is { } u) Posix.Chown(temp, u.Uid, u.Gid);
            File.Move(temp, path, overwrite: true);
            Posix.FsyncDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw e as HostOperationException ?? new HostOperationException(Name, path, $"write failed: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        try { File.SetUnixFileMode(path, mode); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new HostOperationException(Name, path, $"chmod failed: {e.Message}", e); }
        return Task.CompletedTask;
    }

    public Task SetOwnerAsync(string path, string owner, CancellationToken cancellationToken)
    {
        var user = Posix.LookUpUser(owner) ?? throw new HostOperationException(Name, path, $"no such user '{owner}'");
        try { Posix.Chown(path, user.Uid, user.Gid); }
        catch (IOException e) { throw new HostOperationException(Name, path, e.Message, e); }
        return Task.CompletedTask;
    }

    public Task EnsureDirectoryAsync(string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        try
        {
            if (!Directory.Exists(path)) Directory.CreateDirectory(path, mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new HostOperationException(Name, path, $"mkdir failed: {e.Message}", e); }
        return Task.CompletedTask;
    }

    public async Task<bool> TryCreateExclusiveAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode };
            await using var stream = new FileStream(path, options);
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path)) { return false; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new HostOperationException(Name, path, $"create failed: {e.Message}", e); }
    }

    public async Task AppendAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, UnixCreateMode = mode };
            await using var stream = new FileStream(path, options);
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new HostOperationException(Name, path, $"append failed: {e.Message}", e); }
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        try { File.Delete(path); }
        catch (DirectoryNotFoundException) { }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new HostOperationException(Name, path, $"delete failed: {e.Message}", e); }
        return Task.CompletedTask;
    }

    public Task DeleteDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new HostOperationException(Name, path, $"rmdir failed: {e.Message}", e); }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(path)) return Task.FromResult<IReadOnlyList<string>>([]);
        try
        {
            return Task.FromResult<IReadOnlyList<string>>(
                Directory.EnumerateFileSystemEntries(path).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new HostOperationException(Name, path, $"list failed: {e.Message}", e); }
    }

    public async Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", command },
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new HostOperationException(Name, command, "could not start /bin/sh");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
