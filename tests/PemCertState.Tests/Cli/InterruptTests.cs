using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using PemCertState.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PemCertState.Tests.Cli;

/// <summary>
/// The interruption policy on the real `pemstate`: SIGINT (Ctrl-C) or SIGTERM (a CI runner) stops an apply between
/// steps, says what was done and what is left, journals "interrupted", leaves no lock and exits 130; the next apply
/// continues from there and converges. A second SIGINT stops inside a step. A verb that changes nothing stops at once.
/// </summary>
public sealed partial class InterruptTests(ITestOutputHelper output)
{
    /// <summary>Each restart takes a moment, so that an apply is mid-way for long enough to be interrupted there.</summary>
    private const string ServerRestart = "sleep 0.5; echo server >> restarts.log";

    private const string AgentRestart = "sleep 0.5; echo agent >> restarts.log";

    [Fact]
    [Trait("Category", "Crash")]
    public void Ctrl_C_at_twenty_points_of_an_apply_exits_130_says_what_was_done_leaves_no_lock_and_the_next_apply_converges()
    {
        var interrupted = 0;
        for (var run = 0; run < 20; run++)
        {
            // Given a fresh lab whose restarts take a while, and a point in its apply: as soon as the plan is shown (run 0),
            // or once the journal is begun or 1 or 2 restarts ran, plus 0 to 250 ms (half a restart)
            using var lab = Lab.Create(agents: 3, serverRestart: ServerRestart, agentRestart: AgentRestart);
            var restarts = run == 0 ? -1 : run % 3;
            var delay = TimeSpan.FromMilliseconds(run * 53 % 250);

            // When the apply gets SIGINT there
            var (code, stderr) = ApplyAndSignal(lab, "INT", restarts, delay);
            output.WriteLine($"run {run}: after {(restarts < 0 ? "the plan" : restarts == 0 ? "the journal began" : $"{restarts} restart(s)")} + {delay.TotalMilliseconds} ms: exit {code}\n{stderr}");

            // Then it exits 130, leaves no lock, and says what it stopped
            Assert.Equal(130, code);
            Assert.False(File.Exists(LockFiles.PathIn(lab)), "the lock was left behind");
            if (restarts < 0 && stderr.Contains("apply stopped by SIGINT before it changed anything", StringComparison.Ordinal))
                Assert.False(File.Exists(JournalPath(lab)), "an apply stopped before its first step began a journal");
            else
            {
                interrupted++;
                AssertSaysWhatWasDoneAndLeft(lab, stderr, "SIGINT");
            }

            // And the next plan says where it stopped, the next apply finishes it, and the server restart it owed ran last
            ContinuesAndConverges(lab);
        }
        // Every run but the first (which may come before the first step) is caught mid-way, where the policy matters.
        Assert.True(interrupted >= 19, $"only {interrupted} of 20 runs were interrupted mid-apply");
    }

    [Fact]
    public void SIGTERM_from_a_CI_runner_stops_an_apply_between_steps_the_same_way()
    {
        // Given an apply past its first agent restart
        using var lab = Lab.Create(agents: 3, serverRestart: ServerRestart, agentRestart: AgentRestart);

        // When the runner cancels the job with SIGTERM
        var (code, stderr) = ApplyAndSignal(lab, "TERM", restarts: 1, TimeSpan.FromMilliseconds(100));

        // Then it stops between steps as for Ctrl-C, exits 130 and leaves no lock
        Assert.Equal(130, code);
        Assert.False(File.Exists(LockFiles.PathIn(lab)));
        AssertSaysWhatWasDoneAndLeft(lab, stderr, "SIGTERM");
        ContinuesAndConverges(lab);
    }

    [Fact]
    public async Task A_second_Ctrl_C_stops_inside_the_step_under_way_and_still_leaves_no_lock()
    {
        // Given an apply inside an agent restart that takes 60 seconds
        using var lab = Lab.Create(agents: 1, serverRestart: ServerRestart, agentRestart: "sleep 60; echo agent >> restarts.log");
        using var apply = Pemstate.Start(lab.Root, null, "apply", "--auto-approve");
        var stderr = apply.StandardError.ReadToEndAsync();
        _ = apply.StandardOutput.ReadToEndAsync();
        WaitFor(() => File.Exists(JournalPath(lab)) && File.ReadAllText(JournalPath(lab)).Contains("\"action\":\"restart\"", StringComparison.Ordinal), apply);

        // When it gets Ctrl-C once
        Signal(apply, "INT");

        // Then it waits for the step under way
        Assert.False(apply.WaitForExit(1500), "the first Ctrl-C stopped the apply inside a step");

        // When it gets Ctrl-C again
        var second = Stopwatch.StartNew();
        Signal(apply, "INT");

        // Then it stops inside the step at once (the restart command is killed), exits 130 and leaves no lock
        Assert.True(apply.WaitForExit(15_000), "the second Ctrl-C did not stop the apply");
        Assert.True(second.Elapsed < TimeSpan.FromSeconds(5), $"the second Ctrl-C took {second.Elapsed} to stop the apply");
        Assert.Equal(130, apply.ExitCode);
        Assert.Contains("apply interrupted by SIGINT: stopped inside a step (interrupted during step ", await stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(LockFiles.PathIn(lab)));
        Assert.Equal("interrupted", LastJournalEvent(lab));

        // And with a quick restart command, the next apply finishes what it left
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("sleep 60; ", "", StringComparison.Ordinal));
        ContinuesAndConverges(lab);
    }

    [Fact]
    public async Task Ctrl_C_stops_a_plan_waiting_for_a_silent_database_at_once_and_says_what_it_stopped()
    {
        // Given a plan observing a PEM database that accepts the connection and never answers
        using var lab = Lab.Create(agents: 1);
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace(
            "  restart: echo server >> restarts.log\n",
            $"  restart: echo server >> restarts.log\n  database: {{ host: 127.0.0.1, port: {port}, name: pem, user: enterprisedb, sslmode: require }}\n", StringComparison.Ordinal));
        var before = lab.Fingerprint();
        using var plan = Pemstate.Start(lab.Root, null, "plan");
        var stderr = plan.StandardError.ReadToEndAsync();
        _ = plan.StandardOutput.ReadToEndAsync();
        using var connection = await silent.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(60));

        // When it gets Ctrl-C
        var sent = Stopwatch.StartNew();
        Signal(plan, "INT");

        // Then it stops at once (not at the connection's timeout), exits 130, and says that nothing changed
        Assert.True(plan.WaitForExit(15_000), "plan did not stop");
        Assert.True(sent.Elapsed < TimeSpan.FromSeconds(5), $"plan took {sent.Elapsed} to stop");
        Assert.Equal(130, plan.ExitCode);
        Assert.Contains("pemstate: plan stopped by SIGINT before it finished; nothing was changed.", await stderr, StringComparison.Ordinal);
        Assert.Equal(before, lab.Fingerprint());
    }

    [Fact]
    public void An_unparsable_PEMSTATE_NOW_is_a_plain_error_message()
    {
        using var lab = Lab.Create(agents: 1);

        var (code, stdout, stderr) = Pemstate.RunWith(lab.Root, new Dictionary<string, string?> { ["PEMSTATE_NOW"] = "next tuesday" }, "plan");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal("pemstate: PEMSTATE_NOW='next tuesday' is not a date and time; give one in ISO 8601 (e.g. 2026-11-27T12:00:00Z), or unset it to use the system clock\n", stderr);
    }

    /// <summary>
    /// Runs `apply --parallelism 1` and sends SIGINT/SIGTERM once the plan is shown and <paramref name="restarts"/> restarts are logged
    /// (0: the journal is begun; -1: no more than the plan), and <paramref name="delay"/> has passed.
    /// </summary>
    private static (int Code, string Stderr) ApplyAndSignal(Lab lab, string signal, int restarts, TimeSpan delay)
    {
        using var apply = Pemstate.Start(lab.Root, null, "apply", "--auto-approve", "--parallelism", "1");
        var stdout = new System.Text.StringBuilder();
        var planShown = new ManualResetEventSlim();
        apply.OutputDataReceived += (_, e) =>
        {
            lock (stdout) stdout.Append(e.Data).Append('\n');
            if (e.Data?.StartsWith("Plan: ", StringComparison.Ordinal) == true) planShown.Set();
        };
        apply.BeginOutputReadLine();
        var stderr = apply.StandardError.ReadToEndAsync();
        WaitFor(() => planShown.IsSet && (restarts == 0 ? File.Exists(JournalPath(lab)) : RestartsLogged(lab) >= restarts), apply);
        Thread.Sleep(delay);
        Signal(apply, signal);
        if (!apply.WaitForExit(60_000)) { apply.Kill(true); throw new TimeoutException("pemstate did not stop within 60 s of the signal"); }
        apply.WaitForExit();
        return (apply.ExitCode, stderr.Result);
    }

    /// <summary>The summary an interrupted apply prints: where it stopped, each step done and each left, in the journal too.</summary>
    private static void AssertSaysWhatWasDoneAndLeft(Lab lab, string stderr, string signal)
    {
        var headline = Regex.Match(stderr, $@"apply interrupted by {signal}: stopped between steps after (\d+) of (\d+) steps; (\d+) left\. The journal records it; no lock is left\.");
        Assert.True(headline.Success, stderr);
        var (done, total, left) = (int.Parse(headline.Groups[1].Value), int.Parse(headline.Groups[2].Value), int.Parse(headline.Groups[3].Value));
        Assert.True(left > 0 && done + left == total, stderr);
        Assert.Contains(done == 0 ? "Done: none" : $"Done: {done} step{(done == 1 ? "" : "s")}", stderr, StringComparison.Ordinal);
        Assert.Contains($"Left: {left} step{(left == 1 ? "" : "s")}", stderr, StringComparison.Ordinal);
        Assert.Equal(Math.Min(done, 20) + Math.Min(left, 20), StepLine().Matches(stderr).Count);
        // The server restart is always among what is left: it is the last step, and the runs stop before it.
        if (left <= 20) Assert.Contains("  step " + total + ": restart[server] (restart) on pem", stderr, StringComparison.Ordinal);
        else Assert.Contains($"  ... and {left - 20} more", stderr, StringComparison.Ordinal);
        Assert.Equal("interrupted", LastJournalEvent(lab));
        Assert.Equal(done, File.ReadAllLines(JournalPath(lab)).Count(l => l.Contains("\"event\":\"completed\"", StringComparison.Ordinal)));
    }

    /// <summary>The next plan names the interrupted apply (when it began), the next apply converges, and the server restart it owed ran last.</summary>
    private static void ContinuesAndConverges(Lab lab)
    {
        var began = File.Exists(JournalPath(lab));
        var plan = Pemstate.Run(lab.Root, "plan");
        Assert.Equal(0, plan.ExitCode);
        if (began) Assert.Contains(": interrupted ", plan.Stdout, StringComparison.Ordinal);
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.Contains("Apply complete", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains("No changes.", Pemstate.Run(lab.Root, "plan").Stdout, StringComparison.Ordinal);
        Assert.Equal("server", File.ReadAllLines(lab.RestartLog)[^1]);
        Assert.False(File.Exists(LockFiles.PathIn(lab)));
    }

    private static string JournalPath(Lab lab) => Path.Combine(lab.StateDir, PemCertState.Execution.Journal.FileName);

    private static string? LastJournalEvent(Lab lab) =>
        JsonDocument.Parse(File.ReadAllLines(JournalPath(lab))[^1]).RootElement.GetProperty("event").GetString();

    private static int RestartsLogged(Lab lab)
    {
        try { return File.ReadAllLines(lab.RestartLog).Length; }
        catch (FileNotFoundException) { return 0; }
    }

    private static void WaitFor(Func<bool> condition, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (process.HasExited) throw new InvalidOperationException($"pemstate exited ({process.ExitCode}) before the point to interrupt it");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the apply never reached the point to interrupt it");
            Thread.Sleep(5);
        }
    }

    /// <summary>kill -INT / -TERM, as a terminal's Ctrl-C or a CI runner sends it to pemstate itself.</summary>
    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    [GeneratedRegex(@"^  step \d+: ", RegexOptions.Multiline)]
    private static partial Regex StepLine();
}
