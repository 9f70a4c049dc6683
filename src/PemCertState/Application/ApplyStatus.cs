namespace PemCertState.Application;

/// <summary>How an apply ended; the command line maps it to an exit code. Every status but the last three changed nothing.</summary>
public enum ApplyStatus
{
    /// <summary>Ready to execute (after preparation only).</summary>
    Ready,

    /// <summary>The plan is empty: nothing to do (and a stale lock broken, when asked).</summary>
    NothingToDo,

    /// <summary>The inventory, discovery, --skip-host or observation stopped the run (said why).</summary>
    NotObserved,

    /// <summary>The run refused: a stale or edited saved plan, a lock held, unsafe folders, a conflict with --skip-host.</summary>
    Refused,

    /// <summary>Every step completed.</summary>
    Done,

    /// <summary>A step failed; the result says which and what completed before it.</summary>
    Failed,

    /// <summary>Stopped on request between steps (or inside one, on a second request); the result says what was done and left.</summary>
    Interrupted,
}
