using System.Diagnostics;
using System.Text;
using PemCertState.Hosts;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.HostAccess;

/// <summary>Restart and reload commands on the local host: bounded in time, in output, and by what they leave running.</summary>
public sealed class LocalHostCommandTests
{
    private static readonly LocalHost Host = new("pem", Path.GetTempPath());

    [Fact]
    public async Task A_command_past_its_timeout_is_killed_with_every_process_it_started()
    {
        // Given a command whose shell waits for two sleeps, one of them in the background
        using var stray = new StrayProcesses();
        var command = $"{stray.Sleep} & {stray.Sleep}; echo never";

        // When it runs with a one-second timeout
        var clock = Stopwatch.StartNew();
        var result = await Host.RunAsync(command, TimeSpan.FromSeconds(1), CancellationToken.None);
        clock.Stop();

        // Then it timed out after about a second, and neither sleep is left
        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1) + LocalHost.OutputGrace + TimeSpan.FromSeconds(3));
        Assert.Empty(stray.StillRunningAfter(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_background_child_holding_the_output_neither_delays_the_result_nor_is_killed()
    {
        // Given a command that leaves a daemon on its stdout, as pg_ctl without -l leaves the postmaster
        using var stray = new StrayProcesses();

        // When it runs
        var clock = Stopwatch.StartNew();
        var result = await Host.RunAsync($"{stray.Sleep} & echo started", TimeSpan.FromSeconds(60), CancellationToken.None);
        clock.Stop();

        // Then the result comes once the shell exited, with its output, and the daemon still runs
        Assert.True(result.Succeeded);
        Assert.Equal("started\n", result.StandardOutput);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Single(stray.Running());
    }

    [Fact]
    public async Task Output_is_kept_to_its_first_and_last_64_KiB()
    {
        // Given a command that prints a numbered line for 1 MiB and more
        var command = "i=0; while [ $i -lt 40000 ]; do echo \"line $i padded to thirty bytes\"; i=$((i+1)); done";

        // When it runs
        var result = await Host.RunAsync(command, TimeSpan.FromSeconds(60), CancellationToken.None);

        // Then the start and the end are there, the middle is named as left out, and the text stays bounded
        Assert.True(result.Succeeded);
        Assert.StartsWith("line 0 padded", result.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("line 39999 padded to thirty bytes\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("bytes of output left out ...]", result.StandardOutput, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(result.StandardOutput), 2 * BoundedOutput.Half, 2 * BoundedOutput.Half + 100);
    }

    [Fact]
    public void Bounded_output_keeps_head_and_tail_in_order_whatever_the_write_sizes()
    {
        // Given 300,000 bytes of a repeating pattern, written in uneven pieces
        var all = Enumerable.Range(0, 300_000).Select(i => (byte)('a' + i % 26)).ToArray();
        var output = new BoundedOutput();

        // When added piece by piece
        for (int at = 0, size = 1; at < all.Length; at += size, size = size * 7 % 70_001 + 1)
            output.Add(all.AsSpan(at, Math.Min(size, all.Length - at)));

        // Then the first and last 64 KiB are exactly the input's
        var text = output.ToString();
        var marker = $"\n[... {all.Length - 2 * BoundedOutput.Half} bytes of output left out ...]\n";
        Assert.Equal(Encoding.ASCII.GetString(all, 0, BoundedOutput.Half) + marker + Encoding.ASCII.GetString(all, all.Length - BoundedOutput.Half, BoundedOutput.Half), text);
        Assert.Equal(all.Length, output.Total);
    }
}
