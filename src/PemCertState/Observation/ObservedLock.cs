using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Observation;

/// <summary>An apply lock found on a host (the state folder's, or an older pemstate's in data_dir) and what it says.</summary>
/// <param name="Holder">Null when <paramref name="State"/> is <see cref="LockState.Unreadable"/>.</param>
/// <param name="Why">For a stale lock why its holder is gone; for an unreadable one what is wrong with the file.</param>
public sealed record ObservedLock(string Host, string Path, LockState State, LockHolder? Holder, string? Why)
{
    /// <summary>What every verb says about it, in one sentence.</summary>
    public string Summary => State switch
    {
        LockState.Running => $"{Host}:{Path} is held by {Holder!.Who}, which is running: apply, rollback and backups prune refuse until it ends",
        LockState.Stale => $"{Host}:{Path} was left by {Holder!.Who}, which is no longer running ({Why}): "
            + "apply, rollback and backups prune refuse until one of them is run with --break-lock",
        LockState.Elsewhere => $"{Host}:{Path} is held by {Holder!.Who}, on another machine, whose processes pemstate cannot see from here: "
            + "apply, rollback and backups prune refuse until it ends or, if that process is gone, one of them is run with --break-lock",
        _ => $"{Host}:{Path} is not a lock pemstate can read ({Why}); pemstate writes its lock whole, so this is an older pemstate's "
            + "lock still being written or not pemstate's at all, and --break-lock leaves it: once no pemstate runs, remove it by hand",
    };

    /// <summary>
    /// An older lock's holder is believed while its pid's process started no later than this after the lock was
    /// taken: that start time is known only to a second or so, and a holder always starts before it takes the lock.
    /// </summary>
    private static readonly TimeSpan StartSlack = TimeSpan.FromSeconds(5);

    /// <summary>The locks on the server's host (the state folder's and an older pemstate's), for every verb to name.</summary>
    public static async Task<IReadOnlyList<ObservedLock>> InspectAsync(IHost host, ServerSpec server, CancellationToken ct)
    {
        var files = await Task.WhenAll(host.ReadAsync(StateFiles.Lock(server), ct), host.ReadAsync(StateFiles.LegacyLock(server), ct)).ConfigureAwait(false);
        return [.. files.Where(f => f.Exists).Select(Read)];
    }

    /// <summary>What a lock file says, judged from this machine: its content is untrusted input, and may be anything.</summary>
    public static ObservedLock Read(FileSnapshot file)
    {
        var (holder, problem) = LockHolder.Parse(file.Content);
        if (holder is null) return new ObservedLock(file.Host, file.Path, LockState.Unreadable, null, problem);
        var (state, why) = Judge(holder);
        return new ObservedLock(file.Host, file.Path, state, holder, why);
    }

    /// <summary>
    /// Whether <paramref name="holder"/> still runs, seen from this machine: the same machine (host name, and machine id where both
    /// have one), the same boot, and a process with its pid that started when it did. Another machine's holder cannot be
    /// checked from here. A lock from before start times were recorded is believed while its pid's process started
    /// before the lock was taken.
    /// </summary>
    /// <returns>The state, and for a stale lock why it is one.</returns>
    private static (LockState State, string? Why) Judge(LockHolder holder)
    {
        if (holder.Machine != Environment.MachineName || (holder.MachineId is { } theirs && ProcessTable.MachineId is { } ours && theirs != ours))
            return (LockState.Elsewhere, null);
        if (holder.BootId is { } boot && ProcessTable.BootId is { } now && boot != now)
            return (LockState.Stale, $"{LockHolder.Printable(holder.Machine)} has restarted since");
        if (ProcessTable.StartTicks(holder.Pid) is not { } ticks)
            return (LockState.Stale, $"no process {holder.Pid} runs on {LockHolder.Printable(holder.Machine)}");
        var reused = holder.ProcessStart is { } recorded
            ? recorded != ticks
            : ProcessTable.StartTime(holder.Pid) is { } started && started > holder.Started + StartSlack;
        return reused ? (LockState.Stale, $"pid {holder.Pid} now belongs to another process") : (LockState.Running, null);
    }
}
