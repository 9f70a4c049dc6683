using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PemCertState.Application;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Application;

/// <summary>
/// The library's apply operation, driven as the command line drives it, with a fake clock: it takes the lock, journals
/// every step, observes again under the lock (a file changed between plan and apply is caught as stale), and stops
/// between steps when asked, journaling "interrupted" and releasing the lock.
/// </summary>
public sealed class ApplyOperationTests
{
    private static ApplyOperation Operation(TimeProvider clock) =>
        new(desired => new HostSet(desired), NullLoggerFactory.Instance, clock);

    private static string JournalPath(Lab lab) => Path.Combine(lab.StateDir, PemCertState.Execution.Journal.FileName);

    private static List<JsonElement> JournalLines(Lab lab) =>
        [.. File.ReadAllLines(JournalPath(lab)).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public async Task Applies_under_the_lock_journals_every_step_at_the_given_clock_and_releases_the_lock()
    {
        // Given a fresh lab and a clock at the lab's day
        using var lab = Lab.Create(agents: 2);
        var clock = new FakeTimeProvider(Lab.Today);
        var lockSeen = new List<string>();
        var request = new ApplyRequest(lab.InventoryPath)
        {
            // While the steps run, the lock is there and names this process.
            AfterStep = step =>
            {
                if (step == 1) lockSeen.Add(File.ReadAllText(LockFiles.PathIn(lab)));
                return Task.CompletedTask;
            },
        };
        var said = new List<string>();

        // When the operation runs
        var outcome = await Operation(clock).RunAsync(request, said.Add, CancellationToken.None);

        // Then every step completed under this process's lock, which is gone now
        Assert.True(outcome.Status == ApplyStatus.Done, string.Join("\n", said));
        Assert.Equal(outcome.Plan!.Steps.Count, outcome.Result!.Completed.Count);
        Assert.Contains($"\"pid\":{Environment.ProcessId}", Assert.Single(lockSeen).Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(File.Exists(LockFiles.PathIn(lab)));

        // And the journal names the run by the fake clock and this process, with a start and an end for each step
        var journal = JournalLines(lab);
        Assert.Equal("apply", journal[0].GetProperty("event").GetString());
        Assert.Equal($"20261127T120000Z-{Environment.ProcessId}", journal[0].GetProperty("apply").GetString());
        Assert.Equal(Lab.Today, journal[0].GetProperty("time").GetDateTimeOffset());
        Assert.Equal(outcome.Plan.Steps.Count, journal.Count(l => l.GetProperty("event").GetString() == "completed"));
        Assert.Equal("finished", journal[^1].GetProperty("event").GetString());

        // And a second run at the same clock has nothing to do and takes no lock
        var again = await Operation(clock).RunAsync(new ApplyRequest(lab.InventoryPath), said.Add, CancellationToken.None);
        Assert.Equal(ApplyStatus.NothingToDo, again.Status);
    }

    [Fact]
    public async Task A_file_changed_between_plan_and_apply_is_caught_under_the_lock_as_stale_and_nothing_changes()
    {
        // Given a converged lab, and the clock moved into the renewal window: the plan renews every certificate
        using var lab = Lab.Create(agents: 1);
        var clock = new FakeTimeProvider(Lab.Today);
        Assert.Equal(ApplyStatus.Done, (await Operation(clock).RunAsync(new ApplyRequest(lab.InventoryPath), _ => { }, CancellationToken.None)).Status);
        clock.Advance(TimeSpan.FromDays(340));
        var operation = Operation(clock);
        var said = new List<string>();
        await using var prepared = await operation.PrepareAsync(new ApplyRequest(lab.InventoryPath), said.Add, CancellationToken.None);
        Assert.Equal(ApplyStatus.Ready, prepared.Status);
        Assert.Contains(prepared.Plan!.Steps, s => s.Address.ToString() == "agent[1].certificate");

        // When agent.cfg changes after the plan was shown, before the apply takes the lock
        File.AppendAllText(lab.AgentConfig(1), "# edited by hand\n");
        var before = lab.Fingerprint();
        var journalBefore = File.ReadAllText(JournalPath(lab));
        var outcome = await operation.ExecuteAsync(prepared, null, said.Add, CancellationToken.None);

        // Then the apply refuses it as stale, naming the file, and changes nothing; the lock is released
        Assert.Equal(ApplyStatus.Refused, outcome.Status);
        Assert.Null(outcome.Result);
        Assert.Contains(said, l => l.StartsWith("pemstate: stale plan: what the plan shown above was made from has changed", StringComparison.Ordinal));
        Assert.Contains(said, l => l.Contains(lab.AgentConfig(1), StringComparison.Ordinal));
        Assert.Equal(before, lab.Fingerprint());
        Assert.Equal(journalBefore, File.ReadAllText(JournalPath(lab)));
        Assert.False(File.Exists(LockFiles.PathIn(lab)));
    }

    [Fact]
    public async Task Stopped_between_steps_it_journals_interrupted_releases_the_lock_and_the_next_run_finishes()
    {
        // Given a fresh lab, and a stop requested while step 3 runs
        using var lab = Lab.Create(agents: 2);
        var clock = new FakeTimeProvider(Lab.Today);
        using var stop = new CancellationTokenSource();
        var request = new ApplyRequest(lab.InventoryPath)
        {
            Parallelism = 1,
            AfterStep = step =>
            {
                if (step == 2) stop.Cancel();
                return Task.CompletedTask;
            },
        };

        // When the operation runs
        var outcome = await Operation(clock).RunAsync(request, _ => { }, stop.Token);

        // Then it stopped after the step under way: two steps done, the rest left, none cut short
        Assert.Equal(ApplyStatus.Interrupted, outcome.Status);
        var result = outcome.Result!;
        Assert.False(result.MidStep);
        Assert.Equal(outcome.Plan!.Steps.Take(2), result.Completed);
        Assert.Equal(outcome.Plan.Steps.Skip(2), result.Left);

        // And the journal says so, the lock is gone, and the next plan tells where the apply stopped
        var journal = JournalLines(lab);
        Assert.Equal("interrupted", journal[^1].GetProperty("event").GetString());
        Assert.Equal(2, journal.Count(l => l.GetProperty("event").GetString() == "completed"));
        Assert.False(File.Exists(LockFiles.PathIn(lab)));
        var observed = await lab.ObserveAsync();
        Assert.True(observed.Journal!.Interrupted);
        var plan = await lab.PlanAsync();
        Assert.Contains(plan.Notes, n => n.Contains($"stopped after step 2 of {outcome.Plan.Steps.Count}: interrupted between steps", StringComparison.Ordinal));

        // When it runs again, it finishes, and nothing is left
        var rerun = await Operation(clock).RunAsync(new ApplyRequest(lab.InventoryPath), _ => { }, CancellationToken.None);
        Assert.Equal(ApplyStatus.Done, rerun.Status);
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task Every_step_reports_its_start_and_then_its_end_in_plan_order_to_the_step_hook()
    {
        // Given a fresh lab (keys, certificates, settings, restarts to do), one agent at a time, and a hook that records what it is told
        using var lab = Lab.Create(agents: 2);
        var told = new List<PemCertState.Execution.StepProgress>();
        var request = new ApplyRequest(lab.InventoryPath) { Parallelism = 1, Steps = new Recorder(told) };
        var said = new List<string>();

        // When the operation runs
        var outcome = await Operation(new FakeTimeProvider(Lab.Today)).RunAsync(request, said.Add, CancellationToken.None);

        // Then each step of the plan, in its order, was told as begun and then as ended, with its address, action and host, and no error
        Assert.True(outcome.Status == ApplyStatus.Done, string.Join("\n", said));
        var steps = outcome.Plan!.Steps;
        Assert.Contains(steps, s => s.Action == PemCertState.Inventory.StepAction.Restart);
        Assert.Equal(2 * steps.Count, told.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            var (start, end) = (told[2 * i], told[(2 * i) + 1]);
            Assert.Same(steps[i], start.Step);
            Assert.Same(steps[i], end.Step);
            Assert.Equal((i + 1, false, TimeSpan.Zero), (start.Number, start.Ended, start.Elapsed));
            Assert.Equal((i + 1, true, (string?)null), (end.Number, end.Ended, end.Error));
            Assert.Equal((steps[i].Address, steps[i].Action, steps[i].Host), (end.Address, end.Action, end.Host));
        }
    }

    [Fact]
    public async Task A_failing_restart_is_told_as_ended_with_its_error_and_the_steps_after_it_are_not_told()
    {
        // Given a lab whose server restart fails
        using var lab = Lab.Create(agents: 1, serverRestart: "exit 3");
        var told = new List<PemCertState.Execution.StepProgress>();
        var request = new ApplyRequest(lab.InventoryPath) { Parallelism = 1, Steps = new Recorder(told) };

        // When the operation runs
        var outcome = await Operation(new FakeTimeProvider(Lab.Today)).RunAsync(request, _ => { }, CancellationToken.None);

        // Then the restart's start and end were told, the end with the failure, and it is the last thing told
        Assert.Equal(ApplyStatus.Failed, outcome.Status);
        var failed = outcome.Result!.FailedStep!;
        Assert.Equal(PemCertState.Inventory.StepAction.Restart, failed.Action);
        Assert.Same(failed, told[^2].Step);
        Assert.False(told[^2].Ended);
        Assert.Same(failed, told[^1].Step);
        Assert.True(told[^1].Ended);
        Assert.NotNull(told[^1].Error);
        Assert.Equal(2 * (outcome.Result.Completed.Count + 1), told.Count);
    }

    /// <summary>Records synchronously, as the command line's display does (Progress&lt;T&gt; would post, and could reorder).</summary>
    private sealed class Recorder(List<PemCertState.Execution.StepProgress> told) : IProgress<PemCertState.Execution.StepProgress>
    {
        public void Report(PemCertState.Execution.StepProgress value)
        {
            lock (told) told.Add(value);
        }
    }
}
