using System.Text.Json;
using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Execution;

/// <summary>
/// One apply or rollback at a time: `.pemstate.lock` in the server's data dir, created with O_EXCL
/// and holding who/where/pid/when. Taken only when there is something to change, so that an empty
/// apply touches nothing. A lock whose process is gone (same machine, pid not running) is reported
/// as stale and removed only when the user asks (--break-lock).
/// </summary>
public sealed class ApplyLock : IAsyncDisposable
{
    public const string FileName = ".pemstate.lock";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    private readonly IHost _host;
    private readonly string _path;

    private ApplyLock(IHost host, string path)
    {
        _host = host;
        _path = path;
    }

    public static async Task<ApplyLock> AcquireAsync(IHost host, ServerSpec server, string command, bool breakStale, CancellationToken ct)
    {
        var path = Path.Combine(server.DataDir, FileName);
        await host.EnsureDirectoryAsync(server.DataDir, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        var me = new LockHolder(Environment.UserName, Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow, command);
        var content = JsonSerializer.SerializeToUtf8Bytes(me, Json);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (await host.TryCreateExclusiveAsync(path, content, FileModes.Private, ct).ConfigureAwait(false))
                return new ApplyLock(host, path);

            var holder = await ReadHolderAsync(host, path, ct).ConfigureAwait(false);
            var stale = holder is null || (holder.Machine == Environment.MachineName && !IsRunning(holder.Pid));
            var who = holder is null
                ? "an unreadable lock file"
                : $"{holder.User}@{holder.Machine} pid {holder.Pid} ('{holder.Command}', since {holder.Started:yyyy-MM-dd HH:mm:ss}Z)";
            // A holder on another machine cannot be checked from here: --break-lock is the user's word that it is gone.
            var elsewhere = holder is not null && holder.Machine != Environment.MachineName;
            if (!stale && !(breakStale && elsewhere))
                throw new ApplyLockedException($"another pemstate holds the lock {host.Name}:{path}: {who}. Wait for it to finish" +
                    (elsewhere ? ", or, if that process is gone, retry with --break-lock." : "."));
            if (!breakStale)
                throw new ApplyLockedException($"{host.Name}:{path} was left by {who}, which is no longer running. " +
                    "Run `pemstate plan` to see what it left undone, then retry with --break-lock.");
            await host.DeleteAsync(path, ct).ConfigureAwait(false);
        }
        throw new ApplyLockedException($"could not take the lock {host.Name}:{path}");
    }

    public static async Task<LockHolder?> ReadHolderAsync(IHost host, string path, CancellationToken ct)
    {
        var file = await host.ReadAsync(path, ct).ConfigureAwait(false);
        if (!file.Exists) return null;
        try { return JsonSerializer.Deserialize<LockHolder>(file.Content, Json); }
        catch (JsonException) { return null; }
    }

    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}");

    public async ValueTask DisposeAsync() => await _host.DeleteAsync(_path, CancellationToken.None).ConfigureAwait(false);
}
