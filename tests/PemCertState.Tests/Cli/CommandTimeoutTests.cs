using System.Diagnostics;
using System.Globalization;
using PemCertState.Execution;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// The built `pemstate apply` with restart commands that hang, leave a daemon behind, or print without end: the apply
/// must end, say which step and why, and give the lock back (issue 18, item 4).
/// </summary>
public sealed class CommandTimeoutTests
{
    [Fact]
    public void A_hung_server_restart_fails_the_apply_at_its_timeout_kills_the_command_and_releases_the_lock()
    {
        // Given a server restart that never ends, and a two-second command timeout on its host
        using var stray = new StrayProcesses();
        using var lab = Lab.Create(agents: 1, serverRestart: stray.Sleep);
        SetCommandTimeout(lab, "2s");

        // When applied
        var clock = Stopwatch.StartNew();
        var result = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        clock.Stop();

        // Then the apply fails at that step and says why, well before the sleep would end; nothing is left running or locked
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"restart[server] (restart) on pem: `{stray.Sleep}` did not finish within 2 s; its process group was killed", result.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        Assert.False(File.Exists(Path.Combine(lab.StateDir, ApplyLock.FileName)));
        Assert.Empty(stray.StillRunningAfter(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_restart_that_leaves_a_daemon_on_its_output_finishes_promptly()
    {
        // Given a server restart that starts a background process holding its stdout, as pg_ctl without -l does
        using var stray = new StrayProcesses();
        using var lab = Lab.Create(agents: 1, serverRestart: $"\"{stray.Sleep} & echo started\"");
        SetCommandTimeout(lab, "100s");

        // When applied
        var clock = Stopwatch.StartNew();
        var result = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        clock.Stop();

        // Then the apply completes without waiting for the daemon, and leaves it running
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(100), $"took {clock.Elapsed}: it waited for the timeout");
        Assert.Single(stray.Running());
    }

    [Fact]
    public async Task A_restart_printing_200_MB_keeps_pemstate_memory_bounded()
    {
        // Given a server restart that prints 200 MB on stdout
        using var lab = Lab.Create(agents: 1, serverRestart: "\"head -c 200000000 /dev/zero | tr '\\\\0' x\"");

        // When applied, with pemstate's peak resident memory read from /proc while it runs
        using var process = Pemstate.Start(lab.Root, null, "apply", "--auto-approve");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peakKiB = 0;
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            peakKiB = Math.Max(peakKiB, PeakKiB(process.Id));
            await Task.Delay(50);
        }
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();

        // Then it completed, and its peak stayed far below the output's size (876 MB before)
        Assert.True(process.ExitCode == 0, await stderr + await stdout);
        Assert.InRange(peakKiB, 1, 200 * 1024);
    }

    /// <summary>VmHWM of a running process: the most resident memory it has had so far.</summary>
    private static long PeakKiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return 0; }
    }

    private static void SetCommandTimeout(Lab lab, string timeout) =>
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace(
            "pem: { transport: local }", $"pem: {{ transport: local, command_timeout: {timeout} }}", StringComparison.Ordinal));
}
