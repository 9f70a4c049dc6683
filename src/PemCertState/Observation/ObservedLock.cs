using PemCertState.Execution;

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
}
