using System.Text.Json;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// One apply or rollback at a time: `apply.lock` in the server's state_dir, created with O_EXCL
/// and holding who/where/pid/when. Taken only when there is something to change, so that an empty
/// apply touches nothing. A lock whose process is gone (same machine, pid not running) is reported
/// as stale and removed only when the user asks (--break-lock).
/// </summary>
/// <remarks>
/// Every verb that changes anything takes it first, so this is also where the state folder is judged before
/// anything is written there: refused while an account other than root can change it or a folder above it.
/// </remarks>
public sealed class ApplyLock : IAsyncDisposable
{
    public const string FileName = "apply.lock";

    /// <summary>Where a pemstate from before state_dir took it: in data_dir. Still honoured, so that an older pemstate still
    /// running is not run over; removed (with --break-lock once its process is gone) by the one that takes the new lock.</summary>
    public const string LegacyFileName = ".pemstate.lock";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    private readonly IHost _host;
    private readonly string _path;

    private ApplyLock(IHost host, string path)
    {
        _host = host;
        _path = path;
    }

    public static string PathFor(ServerSpec server) => Path.Combine(server.StateDir, FileName);

    public static string LegacyPathFor(ServerSpec server) => Path.Combine(server.DataDir, LegacyFileName);

    public static async Task<ApplyLock> AcquireAsync(IHost host, ServerSpec server, string command, bool breakStale, CancellationToken ct)
    {
        var path = PathFor(server);
        // Before the folder is made: an account that can change a folder on the way could otherwise swap in its own.
        var probe = await host.ReadAsync(path, ct).ConfigureAwait(false);
        if (StateFolderSafety.Problem(host.Name, server.StateDir, probe.WritableFolders) is { } unsafeFolder)
            throw new ApplyLockedException($"{unsafeFolder}; nothing was changed");
        await host.EnsureDirectoryAsync(server.StateDir, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        var me = new LockHolder(Environment.UserName, Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow, command);
        var content = JsonSerializer.SerializeToUtf8Bytes(me, Json);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (await host.TryCreateExclusiveAsync(path, content, FileModes.Private, ct).ConfigureAwait(false))
            {
                var held = new ApplyLock(host, path);
                try { await TakeOverLegacyAsync(host, server, breakStale, ct).ConfigureAwait(false); }
                catch
                {
                    await held.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
                return held;
            }
            await ClearAsync(host, path, "another pemstate holds the lock", breakStale, ct).ConfigureAwait(false);
        }
        throw new ApplyLockedException($"could not take the lock {host.Name}:{path}");
    }

    /// <summary>An older pemstate's lock in data_dir: refused while its holder may run, removed like a stale lock otherwise.</summary>
    private static async Task TakeOverLegacyAsync(IHost host, ServerSpec server, bool breakStale, CancellationToken ct)
    {
        var legacy = LegacyPathFor(server);
        if (!(await host.ReadAsync(legacy, ct).ConfigureAwait(false)).Exists) return;
        await ClearAsync(host, legacy, "an older pemstate holds the lock", breakStale, ct).ConfigureAwait(false);
    }

    /// <summary>Throws while the lock at <paramref name="path"/> may still be held; deletes it when it is stale and the user said so.</summary>
    private static async Task ClearAsync(IHost host, string path, string held, bool breakStale, CancellationToken ct)
    {
        var holder = await ReadHolderAsync(host, path, ct).ConfigureAwait(false);
        var stale = holder is null || (holder.Machine == Environment.MachineName && !IsRunning(holder.Pid));
        var who = holder is null
            ? "an unreadable lock file"
            : $"{holder.User}@{holder.Machine} pid {holder.Pid} ('{holder.Command}', since {holder.Started:yyyy-MM-dd HH:mm:ss}Z)";
        // A holder on another machine cannot be checked from here: --break-lock is the user's word that it is gone.
        var elsewhere = holder is not null && holder.Machine != Environment.MachineName;
        if (!stale && !(breakStale && elsewhere))
            throw new ApplyLockedException($"{held} {host.Name}:{path}: {who}. Wait for it to finish" +
                (elsewhere ? ", or, if that process is gone, retry with --break-lock." : "."));
        if (!breakStale)
            throw new ApplyLockedException($"{host.Name}:{path} was left by {who}, which is no longer running. " +
                "Run `pemstate plan` to see what it left undone, then retry with --break-lock.");
        await host.DeleteAsync(path, ct).ConfigureAwait(false);
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
