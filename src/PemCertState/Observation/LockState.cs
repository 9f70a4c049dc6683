namespace PemCertState.Observation;

/// <summary>What an apply lock found on a host says about its holder, as far as this machine can tell.</summary>
public enum LockState
{
    /// <summary>Its holder runs on this machine: nothing may take or break the lock.</summary>
    Running,

    /// <summary>Its holder is gone (no such pid, the pid is another process's now, or the machine restarted): --break-lock breaks it.</summary>
    Stale,

    /// <summary>Held from another machine, whose processes this one cannot see: --break-lock is the person's word that it is gone.</summary>
    Elsewhere,

    /// <summary>
    /// Not a lock pemstate wrote (empty, not its JSON, too large). pemstate writes its lock whole, so this is an older
    /// pemstate's lock still being written, or not pemstate's at all: never broken by pemstate, only by a person.
    /// </summary>
    Unreadable,
}
