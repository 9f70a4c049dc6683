using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.State;

namespace PemCertState.Execution;

/// <summary>
/// One apply or rollback at a time: `apply.lock` in the server's state_dir, put in place whole (never seen empty) and
/// naming its holder by pid, process start time, boot and machine (<see cref="LockHolder"/>). Taken only when there is
/// something to change, so that an empty apply touches nothing. A lock whose process is gone (same machine, and no such
/// pid, or the pid is another process's now, or the machine restarted) is reported as stale and removed only when the
/// user asks (--break-lock); one that pemstate cannot read is never removed by pemstate.
/// </summary>
/// <remarks>
/// Every verb that changes anything takes it first, so this is also where the state folder is judged before
/// anything is written there: refused while an account other than root can change it or a folder above it.
/// </remarks>
public sealed class ApplyLock : IAsyncDisposable
{
    public const string FileName = State.StateFiles.LockName;

    /// <summary>Where a pemstate from before state_dir took it: in data_dir. Still honoured, so that an older pemstate still
    /// running is not run over; removed (with --break-lock once its process is gone) by the one that takes the new lock.</summary>
    public const string LegacyFileName = State.StateFiles.LegacyLockName;

    private readonly IHost _host;
    private readonly string _path;
    private readonly byte[] _content;

    private ApplyLock(IHost host, string path, byte[] content, IReadOnlyList<ObservedLock> broken)
    {
        _host = host;
        _path = path;
        _content = content;
        Broken = broken;
    }

    /// <summary>The stale locks --break-lock removed to take this one, for the person to see whose they were.</summary>
    public IReadOnlyList<ObservedLock> Broken { get; }

    public static string PathFor(ServerSpec server) => State.StateFiles.Lock(server);

    public static string LegacyPathFor(ServerSpec server) => State.StateFiles.LegacyLock(server);

    public static async Task<ApplyLock> AcquireAsync(IHost host, ServerSpec server, string command, bool breakStale, CancellationToken ct)
    {
        var path = PathFor(server);
        // Before the folder is made: an account that can change a folder on the way could otherwise swap in its own.
        var probe = await host.ReadAsync(path, ct).ConfigureAwait(false);
        if (StateFolderSafety.Problem(host.Name, server.StateDir, probe.WritableFolders) is { } unsafeFolder)
            throw new ApplyLockedException($"{unsafeFolder}; nothing was changed");
        await host.EnsureDirectoryAsync(server.StateDir, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        var content = Me(command).ToBytes();
        var broken = new List<ObservedLock>();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            // Not cancellable: one short operation, and a Ctrl-C between the lock's creation and its answer would leave a lock
            // nobody holds while the program said none was left.
            if (await host.TryCreateExclusiveAsync(path, content, FileModes.Private, CancellationToken.None).ConfigureAwait(false))
            {
                var held = new ApplyLock(host, path, content, broken);
                try
                {
                    // An older pemstate's lock in data_dir: refused while its holder may run, removed like a stale lock otherwise.
                    if (await ClearAsync(host, LegacyPathFor(server), "an older pemstate holds the lock", breakStale, ct).ConfigureAwait(false) is { } legacy)
                        broken.Add(legacy);
                }
                catch
                {
                    await held.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
                return held;
            }
            if (await ClearAsync(host, path, "another pemstate holds the lock", breakStale, ct).ConfigureAwait(false) is { } stale)
                broken.Add(stale);
        }
        throw new ApplyLockedException($"could not take the lock {host.Name}:{path}");
    }

    /// <summary>
    /// Throws while the lock at <paramref name="path"/> may still be held; when it is stale (or held elsewhere) and the
    /// user said so, removes it, but only while it still holds the bytes judged here: a lock another run took meanwhile stays.
    /// </summary>
    /// <returns>The lock it removed; null when there was none, or it changed since it was read (the caller tries again).</returns>
    private static async Task<ObservedLock?> ClearAsync(IHost host, string path, string held, bool breakStale, CancellationToken ct)
    {
        var file = await host.ReadAsync(path, ct).ConfigureAwait(false);
        if (!file.Exists) return null;
        var seen = ObservedLock.Read(file);
        var where = $"{host.Name}:{path}";
        switch (seen.State)
        {
            case LockState.Running:
                throw new ApplyLockedException($"{held} {where}: {seen.Holder!.Who}, which is running. Wait for it to finish.");
            case LockState.Elsewhere when !breakStale:
                // A holder on another machine cannot be checked from here: --break-lock is the user's word that it is gone.
                throw new ApplyLockedException($"{held} {where}: {seen.Holder!.Who}, on another machine. Wait for it to finish, or, if that process is gone, retry with --break-lock.");
            case LockState.Stale when !breakStale:
                throw new ApplyLockedException($"{where} was left by {seen.Holder!.Who}, which is no longer running ({seen.Why}). " +
                    "Run `pemstate plan` to see what it left undone, then retry with --break-lock.");
            case LockState.Unreadable:
                throw new ApplyLockedException($"{seen.Summary}; nothing was changed.");
        }
        return await host.TryDeleteUnchangedAsync(path, file.Content, ct).ConfigureAwait(false) ? seen : null;
    }

    /// <summary>Removes this run's own lock, and nothing else: a lock someone broke and took over stays theirs.</summary>
    public async ValueTask DisposeAsync() => await _host.TryDeleteUnchangedAsync(_path, _content, CancellationToken.None).ConfigureAwait(false);

    /// <summary>This process, taking the lock for <paramref name="command"/>.</summary>
    private static LockHolder Me(string command) => new(Environment.UserName, Environment.MachineName, Environment.ProcessId,
        DateTimeOffset.UtcNow, command, ProcessTable.StartTicks(Environment.ProcessId), ProcessTable.BootId, ProcessTable.MachineId);
}
