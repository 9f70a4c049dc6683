using Microsoft.Extensions.Logging;
using PemCertState.Application;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.State;
using PemCertState.Verification;
using Spectre.Console;

namespace PemCertState.Cli;

/// <summary>One method per verb: load, observe, plan or act, render, exit code. The engine does the work.</summary>
internal static partial class Verbs
{
    public static Task<int> ValidateAsync(string file, CancellationToken ct)
    {
        _ = ct;
        var desired = RunScope.Load(file, Say);
        if (desired is null) return Task.FromResult(ExitCodes.Error);
        Console.Out.Write($"{file}: valid ({Counts.Of(desired.Agents.List.Count, "agent")} on {Counts.Of(desired.Hosts.Count, "host")}).\n");
        return Task.FromResult(ExitCodes.Done);
    }

    public static async Task<int> PlanAsync(string file, bool json, bool markdown, bool detailedExitCode, string? outFile, VerbContext context, RemoteOptions remote, PlanOptions options, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, filter)) return ExitCodes.Error;
        using var loggers = Loggers(context);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, remote, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;

        var plan = Planner.Create(desired, observed, context.Clock.GetUtcNow(), options);
        Console.Out.Write(json ? PlanJsonRenderer.Render(plan) : markdown ? PlanMarkdownRenderer.Render(plan, PlanMarkdownRenderer.CommentLimit) : PlanTextRenderer.Render(plan, Terminal.UseColour));
        if (Refuses(plan, filter)) return ExitCodes.Error;
        if (outFile is not null)
        {
            var saved = new SavedPlanContext(Path.GetFullPath(file), RunScope.InventorySha256(file), ObservedFingerprint.Of(observed));
            try { await ReplacedFile.WriteAsync(outFile, PlanJsonRenderer.Render(plan, saved), ReplacedFile.Private, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.Write($"pemstate: cannot save the plan to {outFile}: {e.Message}\n");
                return ExitCodes.Error;
            }
            Console.Error.Write($"Saved the plan to {outFile}. Apply exactly these steps with: pemstate apply {outFile}\n");
        }
        if (detailedExitCode && plan.Steps.Any(s => s.Action == StepAction.RequestSignature)) return ExitCodes.WaitingForSignature;
        return detailedExitCode && !plan.IsEmpty ? ExitCodes.ChangesPending : ExitCodes.Done;
    }

    /// <summary>
    /// The library's <see cref="ApplyOperation"/>: prepared (observed and planned), shown, approved (a person, --auto-approve
    /// or a saved plan), executed; then rendered. A signal before the first step cancels it with nothing changed; after,
    /// the operation stops between steps and this says what was done and what is left.
    /// </summary>
    public static async Task<int> ApplyAsync(string file, string? planFile, bool autoApprove, int parallelism, bool breakLock, VerbContext context, RemoteOptions remote, PlanOptions options, CancellationToken ct)
    {
        using var loggers = Loggers(context);
        remote = remote with { Connections = parallelism }; // connections open as many at a time as agents are worked on
        var operation = new ApplyOperation(desired => Hosts(desired, remote), loggers, context.Clock);
        var request = new ApplyRequest(file)
        {
            SavedPlanFile = planFile, Approved = autoApprove, SkipHosts = remote.SkipHosts, Options = options, Parallelism = parallelism, BreakLock = breakLock,
            MidStep = context.Interrupts.MidStep, AfterStep = context.AfterStep, Steps = remote.Waits,
        };
        var prepared = await operation.PrepareAsync(request, Say, ct).ConfigureAwait(false);
        await using (prepared.ConfigureAwait(false))
        {
            if (prepared.Plan is not { } plan) return ExitCodes.Error;
            Console.Out.Write(PlanTextRenderer.Render(plan, Terminal.UseColour));
            foreach (var problem in prepared.Problems) Say(problem);
            if (prepared.Status == ApplyStatus.Refused) return ExitCodes.Error;
            if (prepared.Status == ApplyStatus.Ready && !autoApprove && prepared.Saved is null && !Confirm("Apply these steps?", context)) return ExitCodes.Error;

            var outcome = await WithKeyProgressAsync(plan, remote.Waits, progress => operation.ExecuteAsync(prepared, progress, Say, ct)).ConfigureAwait(false);
            return outcome.Result is { } result ? Render(plan, result, context, "apply") ?? WaitingForSignatures(prepared.Desired!, plan) ?? ExitCodes.Done
                : outcome.Status == ApplyStatus.NothingToDo ? ExitCodes.Done : ExitCodes.Error;
        }
    }

    /// <summary>
    /// A host that fails outside observation (the lock, the backup catalog, a login refused on connecting) ends the
    /// verb with the host's own words and exit 1; a stack trace tells the person nothing about their host.
    /// </summary>
    /// <remarks>
    /// A signal (Ctrl-C, SIGTERM) that cancels a verb before it changed anything ends it here, with exit 130; the program
    /// then says what was stopped (<see cref="Interrupts.Conclude"/>).
    /// </remarks>
    public static async Task<int> StoppingOnHostErrors(Task<int> verb)
    {
        try { return await verb.ConfigureAwait(false); }
        catch (HostOperationException e)
        {
            Console.Error.Write($"pemstate: {e.Message}; stopped.\n");
            return ExitCodes.Error;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
    }

    public static async Task<int> BackupsAsync(string file, VerbContext context, RemoteOptions remote, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, _)) return ExitCodes.Error;
        using var loggers = Loggers(context);
        await using var hosts = Hosts(desired, remote);
        await ReportLocksAsync(desired, hosts, ct).ConfigureAwait(false);
        var catalog = await BackupCatalog.ListAsync(desired, hosts, ct).ConfigureAwait(false);
        var journal = await JournalReader.LastAsync(hosts[desired.Server.Host], desired.Server, ct).ConfigureAwait(false);
        ReportRefused(catalog.Refused);
        if (catalog.Sets.Count == 0)
            Console.Out.Write(catalog.Refused.Count == 0 && catalog.Incomplete.Count == 0 ? "No backup sets: no apply has replaced a file yet.\n" : "No usable backup sets.\n");
        else
            Console.Out.Write(BackupsRenderer.Render(catalog.Sets, journal));
        Console.Out.Write(BackupsRenderer.RenderIncomplete(catalog.Incomplete, journal));
        // A refused manifest is a finding, like verify's: a monitor should notice someone writing into a backup folder.
        return catalog.Refused.Count == 0 ? ExitCodes.Done : ExitCodes.ChangesPending;
    }

    public static async Task<int> PruneAsync(string file, int keep, bool breakLock, VerbContext context, RemoteOptions remote, CancellationToken ct)
    {
        if (keep < 0)
        {
            Console.Error.Write("pemstate: --keep must be 0 or more\n");
            return ExitCodes.Error;
        }
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, _)) return ExitCodes.Error;
        using var loggers = Loggers(context);
        await using var hosts = Hosts(desired, remote);
        if (await RunScope.LockAsync(hosts, desired, $"backups prune --keep {keep}", breakLock, Say, ct).ConfigureAwait(false) is not { } held) return ExitCodes.Error;
        await using (held.ConfigureAwait(false))
        {
            var removed = await BackupCatalog.PruneAsync(desired, hosts, keep, ct).ConfigureAwait(false);
            foreach (var folder in removed) Console.Out.Write($"Removed backup set {folder}\n");
            if (ct.IsCancellationRequested)
            {
                context.Interrupts.Told();
                Console.Error.Write($"pemstate: backups prune stopped by {context.Interrupts.Signal} after removing {Counts.Of(removed.Count, "backup folder")} (above); the others are kept, and no lock is left.\n");
                return ExitCodes.Interrupted;
            }
            Console.Out.Write(removed.Count == 0 ? $"Nothing to prune: at most {Counts.Of(keep, "backup id")} exist{(keep == 1 ? "s" : "")}.\n" : $"Pruned {Counts.Of(removed.Count, "backup folder")}; the newest {Counts.Of(keep, "backup id")} {(keep == 1 ? "is" : "are")} kept.\n");
        }
        return ExitCodes.Done;
    }

    public static async Task<int> RollbackAsync(string file, string? backupId, bool autoApprove, bool breakLock, VerbContext context, RemoteOptions remote, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, _)) return ExitCodes.Error;
        using var loggers = Loggers(context);
        await using var hosts = Hosts(desired, remote);
        await ReportLocksAsync(desired, hosts, ct).ConfigureAwait(false);
        var catalog = await BackupCatalog.ListAsync(desired, hosts, ct).ConfigureAwait(false);
        var journal = await JournalReader.LastAsync(hosts[desired.Server.Host], desired.Server, ct).ConfigureAwait(false);
        var choice = RollbackChoice.Of(catalog.Sets, backupId, journal);
        if (choice.Refusal is { } refused)
        {
            Console.Error.Write($"pemstate: refusing to roll back: {refused}\n");
            return ExitCodes.Error;
        }
        var id = choice.Id;
        // A refused folder of the chosen id (or of the interrupted rollback's set, which this one completes) refuses the rollback,
        // and so does one that may be newer than the newest good set when none was named: falling back silently to an older
        // set would restore something nobody chose.
        var blocking = catalog.Refused.Where(r => r.Id == id || r.Id == choice.Continues || (choice.Newest && (id is null || string.CompareOrdinal(r.Id, id) > 0))).ToList();
        if (blocking.Count > 0)
        {
            ReportRefused(blocking);
            Console.Error.Write($"pemstate: refusing to roll back: {Counts.Of(blocking.Count, "backup folder")} failed {(blocking.Count == 1 ? "its" : "their")} checks (above); nothing was changed. "
                + "Remove or fix them, or name a good set with --backup ID (`pemstate backups` lists them).\n");
            return ExitCodes.Error;
        }
        var sets = catalog.Sets.Where(s => s.Id == id).ToList();
        var incomplete = catalog.Incomplete.Where(i => i.Id == id).Select(i => $"{i.Host}:{i.Folder}").ToList();
        if (sets.Count == 0)
        {
            Console.Error.Write(id is null ? "pemstate: there is no backup set to roll back to.\n"
                : incomplete.Count > 0 ? $"pemstate: backup set '{id}' is incomplete: {string.Join(", ", incomplete)} ha{(incomplete.Count == 1 ? "s" : "ve")} no manifest.json "
                    + "(the run that made it stopped while copying files into it); it restores nothing. `pemstate backups` lists the sets that do.\n"
                : $"pemstate: no backup set '{id}'; `pemstate backups` lists them.\n");
            return ExitCodes.Error;
        }
        // An apply backs a folder up before it replaces anything there: a folder it never finished backing up was never changed by it.
        if (incomplete.Count > 0)
            Console.Error.Write($"pemstate: note: {string.Join(", ", incomplete)}, of the same id, ha{(incomplete.Count == 1 ? "s" : "ve")} no manifest.json and ha{(incomplete.Count == 1 ? "s" : "ve")} nothing to restore; "
                + "the run that made it stopped before it replaced any file there.\n");
        if (await RollbackPreflight.CheckAsync(desired, hosts, sets, ct).ConfigureAwait(false) is { Count: > 0 } tampered)
        {
            ReportRefused(tampered);
            Console.Error.Write($"pemstate: refusing to roll back to {id}: its backup copies failed their checks (above); nothing was changed.\n");
            return ExitCodes.Error;
        }
        var continuation = choice.Continues is { } begun ? new RollbackContinuation(begun, catalog.Sets.Where(s => s.Id == begun).ToList(), choice.Note!) : null;
        // Reload or restart follows apply's rule, from what the server says of its SSL settings now.
        if (await ObserveAsync(desired, hosts, remote, ct).ConfigureAwait(false) is not { } now) return ExitCodes.Error;
        var plan = RollbackPlanner.Create(desired, sets, now, continuation, await RestoredOtherSettingsAsync(desired, hosts, sets, ct).ConfigureAwait(false));
        Console.Out.Write(PlanTextRenderer.Render(plan, Terminal.UseColour));
        if (plan.Refusals.Count > 0)
        {
            Console.Error.Write($"pemstate: refusing to roll back to {id}: {string.Join("; ", plan.Refusals.Select(Printable.Of))}; nothing was changed.\n");
            return ExitCodes.Error;
        }
        if (!autoApprove && !Confirm($"Roll back to {id}?", context)) return ExitCodes.Error;

        if (await RunScope.LockAsync(hosts, desired, $"rollback {id}", breakLock, Say, ct).ConfigureAwait(false) is not { } held) return ExitCodes.Error;
        int code;
        await using (held.ConfigureAwait(false))
        {
            var observed = await ObserveAsync(desired, hosts, remote, ct).ConfigureAwait(false);
            if (observed is null) return ExitCodes.Error;
            // The set was chosen from the journal read before the lock: a run since may have changed which it is.
            if ((await JournalReader.LastAsync(hosts[desired.Server.Host], desired.Server, ct).ConfigureAwait(false))?.Apply is var last && last != journal?.Apply)
            {
                Console.Error.Write($"pemstate: another run ({last}) started since this rollback was planned; nothing was changed. Run `pemstate rollback` again.\n");
                return ExitCodes.Error;
            }
            // A restored key lands below the same folders as an applied one: the same judgement holds.
            if (FolderSafety.Judge(desired, observed, plan) is { Refusals.Count: > 0 } judged)
            {
                foreach (var warning in judged.Warnings) Console.Error.Write($"Warning: {warning}\n");
                foreach (var refusal in judged.Refusals) Console.Error.Write($"Rollback will refuse: {refusal}\n");
                Console.Error.Write("pemstate: rollback refused: it would restore a private key where another account can change the folders above it; nothing was changed.\n");
                return ExitCodes.Error;
            }
            var operation = new ApplyOperation(d => Hosts(d, remote), loggers, context.Clock);
            var result = await WithKeyProgressAsync(plan, remote.Waits, progress => operation.ExecuteStepsAsync(desired, hosts, observed, plan, Environment.ProcessorCount, progress,
                context.AfterStep, context.Interrupts.MidStep, ct, remote.Waits)).ConfigureAwait(false);
            code = Render(plan, result, context, "rollback") ?? ExitCodes.Done;
        }
        if (code != ExitCodes.Done) return code;

        var after = await ObserveAsync(desired, hosts, remote, ct).ConfigureAwait(false);
        if (after is null) return ExitCodes.Error;
        var drift = Planner.Create(desired, after, context.Clock.GetUtcNow());
        Console.Out.Write($"\nRolled back to {id}. What the inventory wants now (apply it to undo the rollback):\n");
        Console.Out.Write(PlanTextRenderer.Render(drift, Terminal.UseColour));
        return ExitCodes.Done;
    }

    /// <summary>
    /// Settings other than ssl* that restoring postgresql.conf would change (someone edited it since the backup): a reload
    /// may not apply them. The backup copy passed its hash check in the preflight; both are read as untrusted text.
    /// </summary>
    private static async Task<IReadOnlyList<string>> RestoredOtherSettingsAsync(DesiredState desired, HostSet hosts, IReadOnlyList<BackupSet> sets, CancellationToken ct)
    {
        var conf = PemFiles.InDataDir(desired.Server, PemFiles.PostgresqlConf);
        foreach (var set in sets.Where(s => s.Host == desired.Server.Host))
        {
            if (set.Files.FirstOrDefault(f => f.Path == conf) is not { } entry) continue;
            var host = hosts[set.Host];
            var current = await host.ReadAsync(conf, ct).ConfigureAwait(false);
            var restored = await host.ReadAsync(Path.Combine(set.Folder, entry.BackupFile), ct).ConfigureAwait(false);
            if (!current.Exists || !restored.Exists) return [];
            return RollbackPlanner.OtherSettingsChanged(System.Text.Encoding.UTF8.GetString(current.Content), System.Text.Encoding.UTF8.GetString(restored.Content));
        }
        return [];
    }

    private static void ReportRefused(IEnumerable<RefusedBackup> refused)
    {
        foreach (var folder in refused)
            foreach (var line in folder.Lines) Console.Error.Write($"pemstate: refused backup set: {line}\n");
    }

    /// <summary>
    /// Runs <paramref name="execute"/> under a progress bar for key generation, when a person watches and there are keys to
    /// wait for. The bar goes once the keys are made; until then it owns the terminal and <paramref name="waits"/> shows no restart.
    /// </summary>
    private static async Task<T> WithKeyProgressAsync<T>(Plan plan, WaitProgress? waits, Func<IProgress<KeyProgress>?, Task<T>> execute)
    {
        var keyCount = plan.Steps.Count(s => s.Action == StepAction.GenerateKey);
        if (!Terminal.IsInteractive || keyCount <= 1) return await execute(null).ConfigureAwait(false);
        var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shown = new TaskCompletionSource<ProgressTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        var quiet = waits?.Quiet();
        var display = ShowAsync();
        try
        {
            var bar = await shown.Task.ConfigureAwait(false);
            return await execute(new Progress<KeyProgress>(p =>
            {
                bar.Value = p.Done;
                if (p.Done >= p.Total) made.TrySetResult();
            })).ConfigureAwait(false);
        }
        finally
        {
            made.TrySetResult();
            await display.ConfigureAwait(false);
        }

        async Task ShowAsync()
        {
            try
            {
                await AnsiConsole.Progress().AutoClear(true).StartAsync(async context =>
                {
                    shown.TrySetResult(context.AddTask($"generating {keyCount} keys", maxValue: keyCount));
                    await made.Task.ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                shown.TrySetException(e);
                throw;
            }
            finally
            {
                quiet?.Dispose();
            }
        }
    }

    /// <summary>What an apply or rollback did: backup sets, then done, interrupted or failed. Null when every step completed.</summary>
    private static int? Render(Plan plan, ApplyResult result, VerbContext context, string verb)
    {
        foreach (var set in result.BackupSets) Console.Out.Write($"Backup set: {set}\n");
        if (result.Interrupted) return Interrupted(plan, result, context, verb);
        if (result.Succeeded)
        {
            Console.Out.Write($"Apply complete: {Counts.Of(result.Completed.Count, "step")} on {Counts.Of(plan.Resources.Count, "resource")}.\n");
            return null;
        }
        if (result.Skipped.Count == 0 && result.Failures.Count == 1)
        {
            Console.Error.Write($"pemstate: apply stopped at step {result.Completed.Count + 1} of {plan.Steps.Count}, " +
                $"{result.FailedStep!.Address} ({StepView.VerbOf(result.FailedStep.Action)}) on {result.FailedStep.Host}: {result.Failures[0].Error}\n" +
                $"{Counts.Of(result.Completed.Count, "step")} completed before it; the steps after it did not run. Run `pemstate plan` to see what is left.\n");
            return ExitCodes.Error;
        }
        foreach (var failure in result.Failures)
            Console.Error.Write($"pemstate: {failure.Step.Address} ({StepView.VerbOf(failure.Step.Action)}) failed on {failure.Step.Host}: {failure.Error}\n");
        foreach (var step in result.Skipped)
            Console.Error.Write($"pemstate: not run: {step.Address} ({StepView.VerbOf(step.Action)}) on {step.Host}\n");
        Console.Error.Write($"pemstate: {result.Completed.Count} of {Counts.Of(plan.Steps.Count, "step")} completed; the other agents were converged, the server was not restarted. " +
            "Fix the failures and run `pemstate apply` again.\n");
        return ExitCodes.Error;
    }

    /// <summary>
    /// Stopped by a signal: where, what was done, what is left (20 of each at most), and how to go on. The lock is
    /// released by then (the operation's <c>await using</c>), and the journal says "interrupted".
    /// </summary>
    private static int Interrupted(Plan plan, ApplyResult result, VerbContext context, string verb)
    {
        context.Interrupts.Told();
        var number = new Dictionary<PlanStep, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < plan.Steps.Count; i++) number[plan.Steps[i]] = i + 1;
        var where = result.MidStep ? $"inside a step ({result.Interruption})" : "between steps";
        Console.Error.Write($"pemstate: {verb} interrupted by {context.Interrupts.Signal}: stopped {where} after {result.Completed.Count} of {plan.Steps.Count} steps; "
            + $"{result.Left.Count} left. The journal records it; no lock is left.\n");
        Steps("Done", result.Completed);
        foreach (var failure in result.Failures)
            Console.Error.Write($"Failed: step {number[failure.Step]}: {failure.Step.Address} ({StepView.VerbOf(failure.Step.Action)}) on {failure.Step.Host}: {failure.Error}\n");
        Steps("Left", [.. result.Left, .. result.Skipped]);
        Console.Error.Write(verb == "rollback"
            ? "Run `pemstate rollback` again to finish this rollback (it continues the same backup set).\n"
            : "Run `pemstate plan` to see what is left; `pemstate apply` continues from here.\n");
        return ExitCodes.Interrupted;

        void Steps(string title, IReadOnlyList<PlanStep> steps)
        {
            Console.Error.Write($"{title}: {(steps.Count == 0 ? "none" : $"{steps.Count} step{(steps.Count == 1 ? "" : "s")}")}\n");
            foreach (var step in steps.OrderBy(s => number[s]).Take(20))
                Console.Error.Write($"  step {number[step]}: {step.Address} ({StepView.VerbOf(step.Action)}) on {step.Host}\n");
            if (steps.Count > 20) Console.Error.Write($"  ... and {steps.Count - 20} more\n");
        }
    }

    /// <summary>Trusted CA: after an apply that wrote requests, what the person must do next, and exit 3.</summary>
    private static int? WaitingForSignatures(DesiredState desired, Plan plan)
    {
        var requests = plan.Steps.OfType<RequestSignatureStep>().Select(s => s.RequestFile).ToList();
        if (requests.Count == 0 || desired.Ca.Trusted is not { } trusted) return null;
        Console.Out.Write($"Waiting for {requests.Count} signature{(requests.Count == 1 ? "" : "s")}: have the CA sign the requests in {trusted.RequestsDir} "
            + $"({string.Join(", ", requests.Select(Path.GetFileName))}), put the certificates in {trusted.SignedDir} under any name, and run apply again. "
            + "No live file was changed.\n");
        return ExitCodes.WaitingForSignature;
    }

    /// <summary>
    /// Every verb says when a lock is held and by whom, before what it reports: plan and apply in the plan's warnings,
    /// the others here, on stderr (so that --json output stays JSON).
    /// </summary>
    private static async Task ReportLocksAsync(DesiredState desired, HostSet hosts, CancellationToken ct) =>
        ReportLocks(await ObservedLock.InspectAsync(hosts[desired.Server.Host], desired.Server, ct).ConfigureAwait(false));

    private static void ReportLocks(IReadOnlyList<ObservedLock> locks)
    {
        foreach (var found in locks) Console.Error.Write($"Warning: {found.Summary}\n");
    }

    private static bool Confirm(string question, VerbContext context)
    {
        if (!Terminal.IsInteractive)
        {
            Console.Error.Write("pemstate: refusing to apply without a person to confirm; pass --auto-approve (or apply a saved plan) to apply unattended.\n");
            return false;
        }
        string answer;
        using (context.Interrupts.Prompting())
            answer = AnsiConsole.Prompt(new TextPrompt<string>($"{question} Only [bold]yes[/] is accepted:").AllowEmpty());
        if (answer == "yes") return true;
        Console.Out.Write("Cancelled; nothing changed.\n");
        return false;
    }

    /// <summary>
    /// Writes a saved plan readable by its owner only, from the moment it exists (it names every managed path and the
    /// restart commands): a temp file beside it, created exclusively with mode 0600 (O_CREAT|O_EXCL, which never
    /// follows a link), flushed, then renamed over the destination. rename(2) replaces a symlink at --out instead of
    /// writing through it, so a link planted there cannot point pemstate, running as root, at another file.
    /// </summary>
    public static async Task<int> VerifyAsync(string file, bool connect, VerbContext context, RemoteOptions remote, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, _)) return ExitCodes.Error;
        using var loggers = Loggers(context);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, remote, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;
        ReportLocks(observed.StateFolder?.Locks ?? []);

        var findings = OfflineVerifier.Verify(desired, observed, context.Clock.GetUtcNow()).Concat(DatabaseVerifier.Verify(desired, observed)).ToList();
        if (connect)
        {
            if (desired.Server.Database is null && desired.Web?.Address is null)
            {
                Console.Error.Write("pemstate: verify --connect needs server.database in the inventory (host, port, name, user), or web.address.\n");
                return ExitCodes.Error;
            }
            if (desired.Server.Database is not null)
            {
                var live = await LiveVerifier.VerifyAsync(desired, observed, ObservedKey.ReaderOn(hosts), ct).ConfigureAwait(false);
                foreach (var login in live.Logins)
                    Console.Out.Write($"agent {login.AgentId} as {login.User}: {(login.Succeeded ? "ok" : login.NotTried ? login.Message : "FAILED: " + login.Message)}\n");
                findings.AddRange(live.Findings);
            }
            findings.AddRange(await VerifyWebAsync(desired, observed, ct).ConfigureAwait(false));
        }
        Console.Out.Write(FindingsRenderer.Render(findings));
        return findings.Count == 0 ? ExitCodes.Done : ExitCodes.ChangesPending;
    }

    /// <summary>verify --connect for the web server: a TLS handshake with web.address; nothing when the inventory gives none.</summary>
    private static async Task<IReadOnlyList<Finding>> VerifyWebAsync(DesiredState desired, ObservedState observed, CancellationToken ct)
    {
        if (desired.Web is not { Address: not null } web || observed.Web is not { } seen) return [];
        var report = await WebTlsCheck.CheckAsync(web, seen, observed.Server.Root.Certificates, ct).ConfigureAwait(false);
        var served = report.Served is { } s ? $"{s.Subject}, serial {s.Serial}, sha256 {s.Sha256}" : "no certificate";
        Console.Out.Write($"web {report.Address} ({report.ServerName}): {(report.Findings.Count == 0 ? "ok" : "FAILED")}: {served}\n");
        return report.Findings;
    }

    public static readonly string[] StatusFormats = ["text", "json", "prometheus"];

    /// <summary>The one format that --format, --json and --prometheus ask for together; null when they name two.</summary>
    public static string? StatusFormat(string? format, bool json, bool prometheus)
    {
        string[] asked = [.. new[] { format, json ? "json" : null, prometheus ? "prometheus" : null }.OfType<string>().Distinct(StringComparer.Ordinal)];
        return asked.Length switch { 0 => "text", 1 => asked[0], _ => null };
    }

    /// <param name="format">text | json | prometheus.</param>
    /// <param name="outFile">Replace this file (atomically) with the output instead of writing it to stdout.</param>
    public static async Task<int> StatusAsync(string file, string format, string? outFile, VerbContext context, RemoteOptions remote, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, _)) return ExitCodes.Error;
        using var loggers = Loggers(context);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, remote, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;
        ReportLocks(observed.StateFolder?.Locks ?? []);

        var now = context.Clock.GetUtcNow();
        var rows = StatusReport.Create(desired, observed, now);
        var text = format switch
        {
            "json" => StatusRenderer.RenderJson(rows),
            // The plan from this same observation: pure, no host is asked again.
            "prometheus" => PrometheusRenderer.Render(rows, now, Planner.Create(desired, observed, now).Steps.Count, observed.Journal),
            _ => StatusRenderer.RenderText(rows),
        };
        if (outFile is null)
        {
            Console.Out.Write(text);
            return ExitCodes.Done;
        }
        try { await ReplacedFile.WriteAsync(outFile, text, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.Write($"pemstate: cannot write {outFile}: {e.Message}\n");
            return ExitCodes.Error;
        }
        return ExitCodes.Done;
    }

    /// <summary>Where the engine's lines for people go: stderr, so that stdout (a plan, --json) stays what it says it is.</summary>
    private static void Say(string line) => Console.Error.Write($"{line}\n");

    /// <summary>Inventory, then database discovery, then --skip-host: the agents this run manages, and what was left out.</summary>
    private static Task<(DesiredState Desired, HostFilterResult Filter)?> LoadAsync(string file, RemoteOptions remote, CancellationToken ct) =>
        RunScope.LoadAsync(file, remote.SkipHosts, desired => Hosts(desired, remote with { Waits = null }), Say, ct);

    private static Task<ObservedState?> ObserveAsync(DesiredState desired, HostSet hosts, RemoteOptions remote, CancellationToken ct)
    {
        // Connecting to many SSH hosts can take a while: a spinner on a terminal's stderr says it is not stuck.
        var ssh = SshHosts(desired);
        return ssh == 0 || remote.Waits is not { } waits
            ? RunScope.ObserveAsync(desired, hosts, Say, ct)
            : waits.WhileAsync($"observing {Counts.Of(desired.Hosts.Count, "host")} ({ssh} over SSH)",
                () => RunScope.ObserveAsync(desired, hosts, Say, ct));
    }

    private static int SshHosts(DesiredState desired) => desired.Hosts.Values.Count(h => h.Transport == HostTransport.Ssh);

    private static bool Refuses(Plan plan, HostFilterResult filter)
    {
        if (HostFilter.Conflict(plan, filter) is not { } conflict) return false;
        Console.Error.Write($"pemstate: refusing this plan: {conflict}. Nothing was changed.\n");
        return true;
    }

    private static HostSet Hosts(DesiredState desired, RemoteOptions remote) =>
        new(desired, new SshOptions(remote.AcceptNewHostKeys, Notice: notice => Console.Error.Write($"pemstate: {notice}\n"))
        {
            Connected = remote.Waits?.ConnectCounter(SshHosts(desired)),
            HandshakesAtOnce = remote.Connections,
        }, remote.Loggers);

    /// <summary>The verb's loggers, built on their first event: a run without -v seldom has one (<see cref="DeferredLoggerFactory"/>).</summary>
    private static ILoggerFactory Loggers(VerbContext context) =>
        new DeferredLoggerFactory(() => LogOutput.Create(context.Verbose, context.LogFormat), LogOutput.MinimumLevel(context.Verbose));
}
