using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// The apply lock (issue 18, item 8): taken whole, its holder known by pid, process start time and machine, never broken
/// while that process runs, breakable once its pid belongs to another process, and named by every verb while it is there.
/// </summary>
public sealed class ApplyLockTests
{
    private static readonly string Me = $"root@{Environment.MachineName}";

    [Fact]
    public void Break_lock_leaves_an_empty_lock_file_alone_and_says_what_it_is()
    {
        // Given an empty apply.lock: what an older pemstate's lock looked like between its creation and its first write
        using var lab = Lab.Create(agents: 1);
        Directory.CreateDirectory(lab.StateDir);
        File.WriteAllBytes(LockFiles.PathIn(lab), []);

        // When an apply is asked to break a stale lock
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--break-lock");

        // Then it refuses, names the file and what is wrong with it, and changes nothing
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains($"pem:{LockFiles.PathIn(lab)} is not a lock pemstate can read (empty)", apply.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(LockFiles.PathIn(lab)));
        Assert.False(Directory.Exists(lab.DataDir));
    }

    [Fact]
    public void A_lock_whose_pid_now_belongs_to_another_process_is_stale_and_break_lock_breaks_it()
    {
        // Given a lock whose pid runs, but as a process that started at another time than the holder did
        using var lab = Lab.Create(agents: 1);
        using var other = new LockFiles.Sleeper();
        LockFiles.Plant(lab, other.Pid, LockFiles.StartTicks(other.Pid) - 100, DateTimeOffset.UtcNow);

        // When an apply runs without --break-lock
        var refused = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then it reports the lock as stale and says why
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"was left by {Me} pid {other.Pid}", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains($"no longer running (pid {other.Pid} now belongs to another process)", refused.Stderr, StringComparison.Ordinal);

        // and with --break-lock it breaks it and applies, and gives its own lock back
        var broken = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--break-lock");
        Assert.True(broken.ExitCode == 0, broken.Stdout + broken.Stderr);
        Assert.False(File.Exists(LockFiles.PathIn(lab)));
    }
}
