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
    public void Every_verb_names_the_holder_of_a_live_lock_and_break_lock_leaves_it()
    {
        // Given a lock held by a process that runs, with its true start time
        using var lab = Lab.Create(agents: 1);
        using var holder = new LockFiles.Sleeper();
        LockFiles.Plant(lab, holder.Pid, LockFiles.StartTicks(holder.Pid), DateTimeOffset.UtcNow);
        var planted = File.ReadAllBytes(LockFiles.PathIn(lab));
        var held = $"pem:{LockFiles.PathIn(lab)} is held by {Me} pid {holder.Pid} ('apply', since ";

        foreach (var verb in new[] { new[] { "plan" }, ["status"], ["verify"], ["backups"], ["rollback", "--auto-approve"], ["apply", "--auto-approve", "--break-lock"] })
        {
            // When the verb runs
            var run = Pemstate.Run(lab.Root, verb);

            // Then it says who holds the lock, and that the holder runs
            Assert.True(run.Stdout.Contains(held, StringComparison.Ordinal) || run.Stderr.Contains(held, StringComparison.Ordinal),
                $"{verb[0]} did not name the holder:\n{run.Stdout}\n{run.Stderr}");
            Assert.Contains("which is running", run.Stdout + run.Stderr, StringComparison.Ordinal);
        }
        // and --break-lock did not break it: the apply refused, and the lock is the holder's still
        Assert.Equal(planted, File.ReadAllBytes(LockFiles.PathIn(lab)));
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

    [Fact]
    public void A_lock_from_an_older_pemstate_is_judged_by_when_its_pid_started()
    {
        // Given a lock written the old way (no process start time), whose pid runs as a process started after the lock was taken
        using var lab = Lab.Create(agents: 1);
        using var other = new LockFiles.Sleeper();
        LockFiles.Plant(lab, other.Pid, null, DateTimeOffset.UtcNow.AddHours(-1));

        // When it is planned
        var stale = Pemstate.Run(lab.Root, "plan");

        // Then the lock is stale: that process cannot be the one that took it
        Assert.Contains($"was left by {Me} pid {other.Pid}", stale.Stdout, StringComparison.Ordinal);
        Assert.Contains($"(pid {other.Pid} now belongs to another process)", stale.Stdout, StringComparison.Ordinal);

        // When the same lock says it was taken after that process started
        LockFiles.Plant(lab, other.Pid, null, DateTimeOffset.UtcNow.AddMinutes(1));
        var live = Pemstate.Run(lab.Root, "plan");

        // Then its holder may be running, and it is treated as held
        Assert.Contains($"is held by {Me} pid {other.Pid}", live.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_and_status_show_a_lock_left_behind_by_an_apply_that_finished()
    {
        // Given a converged lab whose last apply finished, and a lock left by a process that is gone
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        var gone = LockFiles.DeadPid();
        LockFiles.Plant(lab, gone, 12345, DateTimeOffset.UtcNow.AddMinutes(-5));
        var left = $"pem:{LockFiles.PathIn(lab)} was left by {Me} pid {gone} ('apply', since ";

        // When plan and status run
        var plan = Pemstate.Run(lab.Root, "plan", "--detailed-exitcode");
        var status = Pemstate.Run(lab.Root, "status");

        // Then both name the leftover lock and how to clear it; nothing else is to do
        Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);
        Assert.Contains(left, plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"no longer running (no process {gone} runs on {Environment.MachineName})", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("--break-lock", plan.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains(left, status.Stderr, StringComparison.Ordinal);

        // When an apply with nothing to change is asked to break it
        var broken = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--break-lock");

        // Then it is gone, and the apply said whose it was
        Assert.True(broken.ExitCode == 0, broken.Stdout + broken.Stderr);
        Assert.Contains($"--break-lock removed pem:{LockFiles.PathIn(lab)}, held by {Me} pid {gone}", broken.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(LockFiles.PathIn(lab)));
    }

    [Fact]
    public void Plan_during_a_running_apply_says_it_is_running_and_after_it_is_killed_says_so()
    {
        // Given an apply that holds the lock, stopped after its first step
        using var lab = Lab.Create(agents: 1);
        var environment = new Dictionary<string, string?> { ["PEMSTATE_FAILPOINT_AFTER_STEP"] = "1" };
        using var apply = Pemstate.Start(lab.Root, environment, "apply", "--auto-approve");
        _ = apply.StandardOutput.ReadToEndAsync();
        while (apply.StandardError.ReadLine() is { } line && !line.Contains("failpoint", StringComparison.Ordinal)) { }
        var pid = apply.Id;
        try
        {
            // When it is planned
            var running = Pemstate.Run(lab.Root, "plan");

            // Then the plan says an apply is running and who holds the lock, not that it was killed
            Assert.Contains("An apply is running: ", running.Stdout, StringComparison.Ordinal);
            Assert.Contains($"is held by {Me} pid {pid} ('apply', since ", running.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("killed", running.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            apply.Kill(entireProcessTree: true);
            apply.WaitForExit();
        }

        // When it is planned after the apply was killed
        var killed = Pemstate.Run(lab.Root, "plan");

        // Then it says the apply stopped, and that its lock was left behind
        Assert.Contains("(the process was killed or lost its host)", killed.Stdout, StringComparison.Ordinal);
        Assert.Contains($"was left by {Me} pid {pid}", killed.Stdout, StringComparison.Ordinal);
    }
}
