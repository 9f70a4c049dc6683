using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>The agents' lanes: each agent's steps in order, agents at once, and the steps one round trip may join.</summary>
internal sealed partial class Executor
{
    /// <summary>
    /// A run of consecutive agent steps: each agent's steps in plan order, on one lane; up to
    /// <paramref name="parallelism"/> agents at once (their hosts are independent, and on one host their files are).
    /// Nothing outside the run starts before every lane has finished, so the server-side steps before the agents
    /// and the server restart after them keep their place (design.md, ordering rule 3).
    /// </summary>
    private async Task RunAgentsAsync(
        int start, int end, Plan plan, Run run, KeyWorkers keys, Outcome outcome,
        Journal? journal, Func<int, Task>? afterStep, int parallelism, CancellationToken stop, CancellationToken ct)
    {
        var lanes = new Dictionary<int, List<int>>();
        for (var i = start; i < end; i++)
        {
            var agent = plan.Steps[i].Address.Agent!.Value;
            if (!lanes.TryGetValue(agent, out var lane)) lanes[agent] = lane = [];
            lane.Add(i);
        }
        if (lanes.Count == 1 || parallelism <= 1)
        {
            await RunLaneAsync([.. Enumerable.Range(start, end - start)], ct).ConfigureAwait(false);
            return;
        }
        // Not stopped by `stop`: every lane visits its steps, and one asked to stop leaves them (listed as left).
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct };
        await Parallel.ForEachAsync(lanes.Values, options, async (lane, laneCt) => await RunLaneAsync(lane, laneCt).ConfigureAwait(false)).ConfigureAwait(false);

        async Task RunLaneAsync(List<int> lane, CancellationToken laneCt)
        {
            for (var k = 0; k < lane.Count; k++)
            {
                if (k + 1 < lane.Count && Joinable(plan, lane[k], lane[k + 1]))
                    await RunJoinedAsync(lane[k], lane[++k], plan, run, keys, outcome, journal, afterStep, stop, laneCt).ConfigureAwait(false);
                else
                    await RunStepAsync(lane[k], plan, run, keys, outcome, journal, afterStep, stop, laneCt).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// An agent's install followed at once by the edit of its settings, on a host where each round trip costs (one reached
    /// over SSH, which keeps its keys): a fresh agent's pair and the agent.cfg that names it.
    /// </summary>
    private bool Joinable(Plan plan, int i, int j)
    {
        var (install, edit) = (plan.Steps[i], plan.Steps[j]);
        return j == i + 1 && install is InstallStep && edit is EditSettingsStep { Settings: var settings }
            && !settings.Any(s => s.CommentOut) // the trusted CA's edit, made by SignedCertificates
            && install.Host == edit.Host && install.Address.Agent == edit.Address.Agent
            && hosts[install.Host].KeepsKeys;
    }

    /// <summary>
    /// Two joinable steps (<see cref="Joinable"/>) in one round trip: the install's changes, then the edit's, each made only
    /// if every one before it was (<see cref="IHost.RunInOrderAsync"/>), so a kill part-way leaves what a kill between the
    /// two steps, or inside either, would. Both are journaled as started before it and completed after it. The edit is made
    /// from what the host knows of its config (<see cref="IHost.ReadKnownAsync"/>) and written only over that text, which
    /// the switch before it leaves as it found it. Should working out either step's changes fail, each runs alone instead,
    /// and fails there as it would have.
    /// </summary>
    private async Task RunJoinedAsync(
        int i, int j, Plan plan, Run run, KeyWorkers keys, Outcome outcome, Journal? journal, Func<int, Task>? afterStep, CancellationToken stop, CancellationToken ct)
    {
        var (install, edit) = ((InstallStep)plan.Steps[i], (EditSettingsStep)plan.Steps[j]);
        ct.ThrowIfCancellationRequested();
        if (stop.IsCancellationRequested || outcome.Blocked(install) || !await KeyReadyAsync(install, run, keys, stop, ct).ConfigureAwait(false))
        {
            await EachAloneAsync().ConfigureAwait(false);
            return;
        }
        var host = hosts[install.Host];
        List<FileChange> first, second;
        try
        {
            first = await InstallChangesAsync(install, host, run, ct).ConfigureAwait(false);
            second = await SettingsChangesAsync(edit, host, run, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            await EachAloneAsync().ConfigureAwait(false);
            return;
        }
        foreach (var (n, step) in new (int, PlanStep)[] { (i, install), (j, edit) })
        {
            Log.StepStarted(logger, step.Address.ToString(), step.Action.WireName(), step.Host, string.Join(' ', step.Paths));
            outcome.Start(step);
            if (journal is not null) await journal.StepAsync("started", n + 1, step, ct).ConfigureAwait(false);
            run.StepProgress?.Report(new StepProgress(n + 1, step, Ended: false, TimeSpan.Zero));
        }
        var started = clock.GetTimestamp();
        try
        {
            await host.RunInOrderAsync([.. first, .. second], ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            // The step whose change failed: the edit only for a path of its own (the switch may write agent.cfg too).
            var editFailed = e is HostOperationException { PathOnHost: { } path } && second.Any(c => c.Path == path) && !first.Any(c => c.Path == path);
            var (failed, number) = editFailed ? ((PlanStep)edit, j) : (install, i);
            if (editFailed) await CompletedAsync(i, install).ConfigureAwait(false);
            Log.StepFailed(logger, failed.Address.ToString(), failed.Action.WireName(), failed.Host, e.Message);
            run.StepProgress?.Report(new StepProgress(number + 1, failed, Ended: true, clock.GetElapsedTime(started), e.Message));
            outcome.Fail(failed.Address.Agent!.Value, new StepFailure(failed, e.Message));
            if (!editFailed)
            {
                // Never made: its changes came after the one that failed.
                run.StepProgress?.Report(new StepProgress(j + 1, edit, Ended: true, clock.GetElapsedTime(started), "not made: the step before it failed"));
                outcome.Skip(edit);
            }
            return;
        }
        catch (Exception e)
        {
            foreach (var (n, step) in new (int, PlanStep)[] { (i, install), (j, edit) })
                run.StepProgress?.Report(new StepProgress(n + 1, step, Ended: true, clock.GetElapsedTime(started), e is OperationCanceledException ? "interrupted" : e.Message));
            throw;
        }
        Installed(install, run);
        await CompletedAsync(i, install).ConfigureAwait(false);
        await CompletedAsync(j, edit).ConfigureAwait(false);

        // Left, skipped, or failing as it would alone: each step through the one-step path.
        async Task EachAloneAsync()
        {
            await RunStepAsync(i, plan, run, keys, outcome, journal, afterStep, stop, ct).ConfigureAwait(false);
            await RunStepAsync(j, plan, run, keys, outcome, journal, afterStep, stop, ct).ConfigureAwait(false);
        }

        async Task CompletedAsync(int n, PlanStep step)
        {
            run.StepProgress?.Report(new StepProgress(n + 1, step, Ended: true, clock.GetElapsedTime(started)));
            if (journal is not null) await journal.StepAsync("completed", n + 1, step, ct).ConfigureAwait(false);
            outcome.Complete(step);
            if (afterStep is not null) await afterStep(n + 1).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the in-process key a step uses, when it has one coming (backups, settings and restarts before it go ahead
    /// meanwhile); false when the apply is stopping and its key was never made: the step has not begun.
    /// </summary>
    private static async Task<bool> KeyReadyAsync(PlanStep step, Run run, KeyWorkers keys, CancellationToken stop, CancellationToken ct)
    {
        if (step is IssueStep or InstallStep or RequestSignatureStep
            && keys.Pending(step is InstallStep install ? install.Source : step.Address) is { } pending
            && !run.Keys.ContainsKey(pending.Address))
        {
            try { run.Keys[pending.Address] = await pending.Key.ConfigureAwait(false); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                return false;
            }
        }
        return true;
    }
}
