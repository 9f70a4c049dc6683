using System.Globalization;
using Microsoft.Extensions.Logging;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Rendering;

namespace PemCertState.Application;

/// <summary>
/// `pemstate apply` as a use case: load, discover, --skip-host, observe, plan (<see cref="PrepareAsync"/>); then, once a
/// person or a saved plan approved it, take the lock, observe again, refuse a stale plan, journal and execute
/// (<see cref="ExecuteAsync"/>). The command line binds arguments, shows the plan, asks, and renders the outcome;
/// tests and benchmarks run the same operation.
/// </summary>
/// <remarks>
/// One interruption policy: the token given to each method stops the apply between steps (Ctrl-C, SIGTERM): the
/// steps under way finish, the journal ends "interrupted", the lock is released, and the result lists what was done
/// and what is left. Only <see cref="ApplyRequest.MidStep"/> (a second Ctrl-C) cancels a step under way. Before the
/// first step, the token cancels at once (an <see cref="OperationCanceledException"/>), with nothing changed.
/// Lines for people (diagnostics, notes, refusals) go to <c>say</c> as they arise.
/// </remarks>
public sealed class ApplyOperation(OpenHosts openHosts, ILoggerFactory loggers, TimeProvider clock)
{
    /// <summary>Observes and plans; changes nothing. Dispose the answer (it holds the run's hosts).</summary>
    public async Task<PreparedApply> PrepareAsync(ApplyRequest request, Action<string> say, CancellationToken cancellationToken)
    {
        if (await RunScope.LoadAsync(request.InventoryFile, request.SkipHosts, openHosts, say, cancellationToken).ConfigureAwait(false) is not var (desired, filter))
            return new PreparedApply(request, ApplyStatus.NotObserved);
        SavedPlan? saved = null;
        if (request.SavedPlanFile is { } planFile)
        {
            try { saved = await PlanJsonReader.ReadFileAsync(planFile, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                say($"pemstate: {planFile}: {e.Message}");
                return new PreparedApply(request, ApplyStatus.Refused);
            }
            if (saved.Context.InventorySha256 != RunScope.InventorySha256(request.InventoryFile))
            {
                say($"pemstate: stale plan: {request.InventoryFile} changed since {planFile} was made; nothing was changed. Make a new plan.");
                return new PreparedApply(request, ApplyStatus.Refused);
            }
        }

        var hosts = openHosts(desired);
        try
        {
            var observed = await RunScope.ObserveAsync(desired, hosts, say, cancellationToken).ConfigureAwait(false);
            if (observed is null)
            {
                await hosts.DisposeAsync().ConfigureAwait(false);
                return new PreparedApply(request, ApplyStatus.NotObserved);
            }
            // Always a fresh plan, from the inventory and what is on the hosts now: a saved plan is only the promise of
            // what this apply will do. Its file may have been edited by anyone who could write it (a CI artifact, a
            // shared folder), so no command, path or setting in it is ever carried out.
            var plan = Planner.Create(desired, observed, clock.GetUtcNow(), request.Options);
            var (status, problems) = Judge(request, filter, observed, plan, saved);
            return new PreparedApply(request, status)
            {
                Plan = plan, Problems = problems, Saved = saved,
                Desired = desired, Filter = filter, Hosts = hosts, Observed = observed,
            };
        }
        catch
        {
            await hosts.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether the fresh plan may be applied: a saved plan must still hold, and nothing may refuse it.</summary>
    private static (ApplyStatus Status, IReadOnlyList<string> Problems) Judge(ApplyRequest request, HostFilterResult filter, ObservedState observed, Plan plan, SavedPlan? saved)
    {
        if (saved is not null)
        {
            if (ObservedFingerprint.Differences(saved.Context.Observed, ObservedFingerprint.Of(observed)) is { Count: > 0 } changed)
                return (ApplyStatus.Refused, Stale(request.SavedPlanFile!, changed));
            if (SavedPlanDifferences.Between(saved, plan) is { Count: > 0 } broken)
                return (ApplyStatus.Refused, Broken(request.SavedPlanFile!, broken));
        }
        if (plan.IsEmpty) return (ApplyStatus.NothingToDo, []);
        if (HostFilter.Conflict(plan, filter) is { } conflict)
            return (ApplyStatus.Refused, [$"pemstate: refusing this plan: {conflict}. Nothing was changed."]);
        if (plan.Refusals.Count > 0)
            return (ApplyStatus.Refused, [$"pemstate: apply refused: {Rendering.Counts.Of(plan.Refusals.Count, "reason")} (\"Apply will refuse\" above: a private key, or pemstate's own state, "
                + "where another account can change the folders above it, or a reload the database role may not run); nothing was changed."]);
        return (ApplyStatus.Ready, []);
    }

    /// <summary>
    /// Carries out an approved, ready plan: lock, observe again, refuse it if what it was made from moved, journal, execute.
    /// An empty plan takes no lock; but a stale lock the person asked to break goes, or its warning would stay for good.
    /// </summary>
    public async Task<ApplyOutcome> ExecuteAsync(PreparedApply prepared, IProgress<KeyProgress>? progress, Action<string> say, CancellationToken cancellationToken)
    {
        var request = prepared.Request;
        if (prepared.Status == ApplyStatus.NothingToDo)
        {
            if (request.BreakLock && prepared.Observed!.StateFolder is { } state && state.Locks.Any(l => l.State is LockState.Stale or LockState.Elsewhere))
            {
                if (await RunScope.LockAsync(prepared.Hosts!, prepared.Desired!, "apply --break-lock", breakLock: true, say, cancellationToken).ConfigureAwait(false) is not { } broke)
                    return new ApplyOutcome(ApplyStatus.Refused, prepared.Plan, null);
                await broke.DisposeAsync().ConfigureAwait(false);
            }
            return new ApplyOutcome(ApplyStatus.NothingToDo, prepared.Plan, null);
        }
        if (prepared.Status != ApplyStatus.Ready) return new ApplyOutcome(prepared.Status, prepared.Plan, null);

        var (desired, hosts, plan) = (prepared.Desired!, prepared.Hosts!, prepared.Plan!);
        var applyLog = loggers.CreateLogger("PemCertState.Apply");
        foreach (var warning in plan.Warnings) Log.ApplyingWithWarning(applyLog, warning);
        if (await RunScope.LockAsync(hosts, desired, "apply", request.BreakLock, say, cancellationToken).ConfigureAwait(false) is not { } held)
            return new ApplyOutcome(ApplyStatus.Refused, plan, null);
        await using (held.ConfigureAwait(false))
        {
            ObservedState locked;
            if (await UntouchedSinceAsync(prepared, cancellationToken).ConfigureAwait(false))
                locked = prepared.Observed!;
            else
            {
                // Observe again under the lock: what was approved must still be what is there.
                var before = ObservedFingerprint.Of(prepared.Observed!);
                if (await RunScope.ObserveAsync(desired, hosts, say, cancellationToken).ConfigureAwait(false) is not { } again)
                    return new ApplyOutcome(ApplyStatus.NotObserved, plan, null);
                if (ObservedFingerprint.Differences(before, ObservedFingerprint.Of(again)) is { Count: > 0 } moved)
                {
                    foreach (var line in Stale(request.SavedPlanFile ?? "the plan shown above", moved)) say(line);
                    return new ApplyOutcome(ApplyStatus.Refused, plan, null);
                }
                locked = again;
            }
            var result = await ExecuteStepsAsync(desired, hosts, locked, plan, request.Parallelism, progress, request.AfterStep, request.MidStep, cancellationToken, request.Steps).ConfigureAwait(false);
            return new ApplyOutcome(result.Interrupted ? ApplyStatus.Interrupted : result.Succeeded ? ApplyStatus.Done : ApplyStatus.Failed, plan, result);
        }
    }

    /// <summary>
    /// Whether an apply approved before it was planned may go on from its one observation instead of observing every host
    /// again under the lock (over SSH, one round trip a host fewer). It may when nobody paused in between (--auto-approve,
    /// a saved plan: moments passed, not a person's thinking time), no other run held the lock while it observed, and the
    /// journal is still the one it observed: every run that changes anything begins its journal under the lock before its
    /// first change, so none ran since. A change by another hand in those moments is one it could as well have made just
    /// after a second observation: what guards against it is the same either way (a config is rewritten only over the text
    /// it was edited from, a key copied or signed with only while it has the hash observed).
    /// </summary>
    private static async Task<bool> UntouchedSinceAsync(PreparedApply prepared, CancellationToken ct)
    {
        if (!prepared.Request.Approved && prepared.Request.SavedPlanFile is null) return false;
        if (prepared.Observed?.StateFolder is not { } folder || folder.Locks.Any(l => l.State != LockState.Stale)) return false;
        var server = prepared.Desired!.Server;
        var journal = await prepared.Hosts![server.Host].ReadAsync(Journal.PathFor(server), FileLimits.State, ct).ConfigureAwait(false);
        return journal.Sha256 == folder.JournalSha256;
    }

    /// <summary>Prepares and executes without asking anyone: for an approved run (a test, a benchmark, `apply --auto-approve`).</summary>
    public async Task<ApplyOutcome> RunAsync(ApplyRequest request, Action<string> say, CancellationToken cancellationToken)
    {
        request = request with { Approved = true };
        var prepared = await PrepareAsync(request, say, cancellationToken).ConfigureAwait(false);
        await using (prepared.ConfigureAwait(false))
        {
            foreach (var line in prepared.Problems) say(line);
            return await ExecuteAsync(prepared, null, say, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The executor under a lock the caller holds, journaled (its id ends in this process's id, which ties it to the
    /// lock's holder); `rollback` runs its restore plan through it too. <paramref name="cancellationToken"/> stops it
    /// between steps, <paramref name="midStep"/> inside one; <paramref name="steps"/> is told when each step begins and ends.
    /// </summary>
    public Task<ApplyResult> ExecuteStepsAsync(
        DesiredState desired, HostSet hosts, ObservedState observed, Plan plan, int parallelism, IProgress<KeyProgress>? progress,
        Func<int, Task>? afterStep, CancellationToken midStep, CancellationToken cancellationToken, IProgress<StepProgress>? steps = null)
    {
        var executor = new Executor(hosts, loggers.CreateLogger<Executor>(), clock);
        var journal = new Journal(hosts[desired.Server.Host], Journal.PathFor(desired.Server),
            $"{clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Environment.ProcessId}");
        return executor.ApplyAsync(desired, observed, plan, parallelism, progress, cancellationToken, journal, afterStep, midStep, steps);
    }

    private static List<string> Stale(string plan, IReadOnlyList<string> changes) =>
        [$"pemstate: stale plan: what {plan} was made from has changed; nothing was changed. Make a new plan.", .. Listed(changes)];

    /// <summary>The saved plan promises other steps than the inventory and the hosts give now: edited, or made with other flags.</summary>
    private static List<string> Broken(string plan, IReadOnlyList<string> differences) =>
        [$"pemstate: {plan} does not hold the steps a fresh plan takes; nothing was changed. " +
            "Make a new plan, or give apply the --rotate-ca / --rotate-common this one was made with; if nobody should have edited it, find out who did.",
            .. Listed(differences)];

    private static IEnumerable<string> Listed(IReadOnlyList<string> items) =>
        items.Take(20).Select(i => $"  {i}").Concat(items.Count > 20 ? [$"  ... and {items.Count - 20} more"] : []);
}
