using System.Globalization;
using Microsoft.Extensions.Logging;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Verification;
using Spectre.Console;

namespace PemCertState.Cli;

/// <summary>One method per verb: load, observe, plan or act, render, exit code. The engine does the work.</summary>
internal static partial class Verbs
{
    public static Task<int> ValidateAsync(string file, CancellationToken ct)
    {
        _ = ct;
        var desired = Load(file);
        if (desired is null) return Task.FromResult(ExitCodes.Error);
        Console.Out.Write($"{file}: valid ({desired.Agents.List.Count} agents on {desired.Hosts.Count} hosts).\n");
        return Task.FromResult(ExitCodes.Done);
    }

    public static async Task<int> PlanAsync(string file, bool json, bool markdown, bool detailedExitCode, string? outFile, bool verbose, RemoteOptions remote, PlanOptions options, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, filter)) return ExitCodes.Error;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;

        var plan = Planner.Create(desired, observed, Now(), options);
        Console.Out.Write(json ? PlanJsonRenderer.Render(plan) : markdown ? PlanMarkdownRenderer.Render(plan, PlanMarkdownRenderer.CommentLimit) : PlanTextRenderer.Render(plan));
        if (Refuses(plan, filter)) return ExitCodes.Error;
        if (outFile is not null)
        {
            var saved = new SavedPlanContext(Path.GetFullPath(file), InventorySha256(file), ObservedFingerprint.Of(observed));
            try { await SavePlanAsync(outFile, PlanJsonRenderer.Render(plan, saved), ct).ConfigureAwait(false); }
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

    public static async Task<int> ApplyAsync(string file, string? planFile, bool autoApprove, int parallelism, bool breakLock, bool verbose, RemoteOptions remote, PlanOptions options, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, filter)) return ExitCodes.Error;
        SavedPlan? saved = null;
        if (planFile is not null)
        {
            try { saved = await PlanJsonReader.ReadFileAsync(planFile, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.Write($"pemstate: {planFile}: {e.Message}\n");
                return ExitCodes.Error;
            }
            if (saved.Context.InventorySha256 != InventorySha256(file))
            {
                Console.Error.Write($"pemstate: stale plan: {file} changed since {planFile} was made; nothing was changed. Make a new plan.\n");
                return ExitCodes.Error;
            }
        }

        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;
        // Always a fresh plan, from the inventory and what is on the hosts now: a saved plan is only the promise of
        // what this apply will do. Its file may have been edited by anyone who could write it (a CI artifact, a
        // shared folder), so no command, path or setting in it is ever carried out.
        var plan = Planner.Create(desired, observed, Now(), options);
        Console.Out.Write(PlanTextRenderer.Render(plan));
        if (saved is not null)
        {
            if (ObservedFingerprint.Differences(saved.Context.Observed, ObservedFingerprint.Of(observed)) is { Count: > 0 } changed)
                return Stale(planFile!, changed);
            if (SavedPlanDifferences.Between(saved, plan) is { Count: > 0 } broken)
                return Broken(planFile!, broken);
        }
        // Nothing to change takes no lock; but a stale lock the person asked to break goes, or its warning above would stay for good.
        if (plan.IsEmpty)
            return breakLock && observed.StateFolder is { } state && state.Locks.Any(l => l.State is LockState.Stale or LockState.Elsewhere)
                ? await BreakLockAsync(hosts, desired, ct).ConfigureAwait(false)
                : ExitCodes.Done;
        if (Refuses(plan, filter)) return ExitCodes.Error;
        if (plan.Refusals.Count > 0)
        {
            Console.Error.Write($"pemstate: apply refused: {plan.Refusals.Count} step(s) would write a private key, or pemstate's own state, where another account can change the folders above it (see the warnings above); nothing was changed.\n");
            return ExitCodes.Error;
        }

        if (!autoApprove && saved is null && !Confirm("Apply these steps?")) return ExitCodes.Error;
        var applyLog = loggers.CreateLogger("PemCertState.Apply");
        foreach (var warning in plan.Warnings) Log.ApplyingWithWarning(applyLog, warning);

        if (await LockAsync(hosts, desired, "apply", breakLock, ct).ConfigureAwait(false) is not { } held) return ExitCodes.Error;
        await using (held.ConfigureAwait(false))
        {
            // Observe again under the lock: what was approved must still be what is there.
            var before = ObservedFingerprint.Of(observed);
            var locked = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
            if (locked is null) return ExitCodes.Error;
            if (ObservedFingerprint.Differences(before, ObservedFingerprint.Of(locked)) is { Count: > 0 } moved)
                return Stale(planFile ?? "the plan shown above", moved);
            return await ExecuteAsync(desired, hosts, locked, plan, parallelism, loggers, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A host that fails outside observation (the lock, the backup catalog, a login refused on connecting) ends the
    /// verb with the host's own words and exit 1; a stack trace tells the person nothing about their host.
    /// </summary>
    public static async Task<int> StoppingOnHostErrors(Task<int> verb)
    {
        try { return await verb.ConfigureAwait(false); }
        catch (HostOperationException e)
        {
            Console.Error.Write($"pemstate: {e.Message}; stopped.\n");
            return ExitCodes.Error;
        }
    }

    public static async Task<int> BackupsAsync(string file, bool verbose, RemoteOptions remote, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, filter)) return ExitCodes.Error;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        await ReportLocksAsync(desired, hosts, ct).ConfigureAwait(false);
        var catalog = await BackupCatalog.ListAsync(desired, hosts, ct).ConfigureAwait(false);
        var journal = await Journal.LastAsync(hosts[desired.Server.Host], desired.Server, ct).ConfigureAwait(false);
        ReportRefused(catalog.Refused);
        if (catalog.Sets.Count == 0)
            Console.Out.Write(catalog.Refused.Count == 0 && catalog.Incomplete.Count == 0 ? "No backup sets: no apply has replaced a file yet.\n" : "No usable backup sets.\n");
        else
            Console.Out.Write(BackupsRenderer.Render(catalog.Sets, journal));
        Console.Out.Write(BackupsRenderer.RenderIncomplete(catalog.Incomplete, journal));
        // A refused manifest is a finding, like verify's: a monitor should notice someone writing into a backup folder.
        return catalog.Refused.Count == 0 ? ExitCodes.Done : ExitCodes.ChangesPending;
    }

    public static async Task<int> PruneAsync(string file, int keep, bool breakLock, bool verbose, RemoteOptions remote, CancellationToken ct)
    {
        if (keep < 0)
        {
            Console.Error.Write("pemstate: --keep must be 0 or more\n");
            return ExitCodes.Error;
        }
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, _)) return ExitCodes.Error;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        if (await LockAsync(hosts, desired, $"backups prune --keep {keep}", breakLock, ct).ConfigureAwait(false) is not { } held) return ExitCodes.Error;
        await using (held.ConfigureAwait(false))
        {
            var removed = await BackupCatalog.PruneAsync(desired, hosts, keep, ct).ConfigureAwait(false);
            foreach (var folder in removed) Console.Out.Write($"Removed backup set {folder}\n");
            Console.Out.Write(removed.Count == 0 ? $"Nothing to prune: at most {keep} backup ids exist.\n" : $"Pruned {removed.Count} backup folder(s); the newest {keep} backup ids are kept.\n");
        }
        return ExitCodes.Done;
    }

    public static async Task<int> RollbackAsync(string file, string? backupId, bool autoApprove, bool breakLock, bool verbose, RemoteOptions remote, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, filter)) return ExitCodes.Error;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        await ReportLocksAsync(desired, hosts, ct).ConfigureAwait(false);
        var catalog = await BackupCatalog.ListAsync(desired, hosts, ct).ConfigureAwait(false);
        var journal = await Journal.LastAsync(hosts[desired.Server.Host], desired.Server, ct).ConfigureAwait(false);
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
            Console.Error.Write($"pemstate: refusing to roll back: {blocking.Count} backup folder(s) failed their checks (above); nothing was changed. "
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
        var plan = RollbackPlanner.Create(desired, sets, continuation);
        Console.Out.Write(PlanTextRenderer.Render(plan));
        if (!autoApprove && !Confirm($"Roll back to {id}?")) return ExitCodes.Error;

        if (await LockAsync(hosts, desired, $"rollback {id}", breakLock, ct).ConfigureAwait(false) is not { } held) return ExitCodes.Error;
        int code;
        await using (held.ConfigureAwait(false))
        {
            var observed = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
            if (observed is null) return ExitCodes.Error;
            // The set was chosen from the journal read before the lock: a run since may have changed which it is.
            if ((await Journal.LastAsync(hosts[desired.Server.Host], desired.Server, ct).ConfigureAwait(false))?.Apply is var last && last != journal?.Apply)
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
            code = await ExecuteAsync(desired, hosts, observed, plan, Environment.ProcessorCount, loggers, ct).ConfigureAwait(false);
        }
        if (code != ExitCodes.Done) return code;

        var after = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
        if (after is null) return ExitCodes.Error;
        var drift = Planner.Create(desired, after, Now());
        Console.Out.Write($"\nRolled back to {id}. What the inventory wants now (apply it to undo the rollback):\n");
        Console.Out.Write(PlanTextRenderer.Render(drift));
        return ExitCodes.Done;
    }

    private static void ReportRefused(IEnumerable<RefusedBackup> refused)
    {
        foreach (var folder in refused)
            foreach (var line in folder.Lines) Console.Error.Write($"pemstate: refused backup set: {line}\n");
    }

    private static async Task<int> ExecuteAsync(DesiredState desired, HostSet hosts, ObservedState observed, Plan plan, int parallelism, ILoggerFactory loggers, CancellationToken ct)
    {
        var executor = new Executor(hosts, loggers.CreateLogger<Executor>(), Clock());
        var journal = new Journal(hosts[desired.Server.Host], Journal.PathFor(desired.Server),
            $"{Clock().GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Environment.ProcessId}");
        var failpoint = Failpoint();
        var keyCount = plan.Steps.Count(s => s.Action == StepAction.GenerateKey);
        ApplyResult result;
        if (Terminal.IsInteractive && keyCount > 1)
        {
            result = await AnsiConsole.Progress().AutoClear(true).StartAsync(async context =>
            {
                var task = context.AddTask($"generating {keyCount} keys", maxValue: keyCount);
                var progress = new Progress<KeyProgress>(p => task.Value = p.Done);
                return await executor.ApplyAsync(desired, observed, plan, parallelism, progress, ct, journal, failpoint).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        else
        {
            result = await executor.ApplyAsync(desired, observed, plan, parallelism, null, ct, journal, failpoint).ConfigureAwait(false);
        }

        foreach (var set in result.BackupSets) Console.Out.Write($"Backup set: {set}\n");
        if (result.Succeeded)
        {
            Console.Out.Write($"Apply complete: {result.Completed.Count} steps on {plan.Resources.Count} resources.\n");
            return WaitingForSignatures(desired, plan) ?? ExitCodes.Done;
        }
        if (result.Skipped.Count == 0 && result.Failures.Count == 1)
        {
            Console.Error.Write($"pemstate: apply stopped at step {result.Completed.Count + 1} of {plan.Steps.Count}, " +
                $"{result.FailedStep!.Address} ({PlanTextRenderer.Verb(result.FailedStep.Action)}) on {result.FailedStep.Host}: {result.Failures[0].Error}\n" +
                $"{result.Completed.Count} steps completed before it; the steps after it did not run. Run `pemstate plan` to see what is left.\n");
            return ExitCodes.Error;
        }
        foreach (var failure in result.Failures)
            Console.Error.Write($"pemstate: {failure.Step.Address} ({PlanTextRenderer.Verb(failure.Step.Action)}) failed on {failure.Step.Host}: {failure.Error}\n");
        foreach (var step in result.Skipped)
            Console.Error.Write($"pemstate: not run: {step.Address} ({PlanTextRenderer.Verb(step.Action)}) on {step.Host}\n");
        Console.Error.Write($"pemstate: {result.Completed.Count} of {plan.Steps.Count} steps completed; the other agents were converged, the server was not restarted. " +
            "Fix the failures and run `pemstate apply` again.\n");
        return ExitCodes.Error;
    }

    /// <summary>Trusted CA: after an apply that wrote requests, what the person must do next, and exit 3.</summary>
    private static int? WaitingForSignatures(DesiredState desired, Plan plan)
    {
        var requests = plan.Steps.Where(s => s.Action == StepAction.RequestSignature).Select(s => s.Paths[1]).ToList();
        if (requests.Count == 0 || desired.Ca.Trusted is not { } trusted) return null;
        Console.Out.Write($"Waiting for {requests.Count} signature{(requests.Count == 1 ? "" : "s")}: have the CA sign the requests in {trusted.RequestsDir} "
            + $"({string.Join(", ", requests.Select(Path.GetFileName))}), put the certificates in {trusted.SignedDir} under any name, and run apply again. "
            + "No live file was changed.\n");
        return ExitCodes.WaitingForSignature;
    }

    /// <summary>The apply lock, or null (with the holder named on stderr) when another run has it. A lock it broke is named.</summary>
    private static async Task<ApplyLock?> LockAsync(HostSet hosts, DesiredState desired, string command, bool breakLock, CancellationToken ct)
    {
        try
        {
            var held = await ApplyLock.AcquireAsync(hosts[desired.Server.Host], desired.Server, command, breakLock, ct).ConfigureAwait(false);
            foreach (var broken in held.Broken) Console.Error.Write($"pemstate: --break-lock removed {broken.Host}:{broken.Path}, held by {broken.Holder!.Who}\n");
            return held;
        }
        catch (ApplyLockedException e)
        {
            Console.Error.Write($"pemstate: {e.Message}\n");
            return null;
        }
    }

    /// <summary>apply --break-lock with nothing to change: takes the lock, which breaks a stale one (and names it), and gives it back.</summary>
    private static async Task<int> BreakLockAsync(HostSet hosts, DesiredState desired, CancellationToken ct)
    {
        if (await LockAsync(hosts, desired, "apply --break-lock", breakLock: true, ct).ConfigureAwait(false) is not { } held) return ExitCodes.Error;
        await held.DisposeAsync().ConfigureAwait(false);
        return ExitCodes.Done;
    }

    /// <summary>
    /// Every verb says when a lock is held and by whom, before what it reports: plan and apply in the plan's warnings,
    /// the others here, on stderr (so that --json output stays JSON).
    /// </summary>
    private static async Task ReportLocksAsync(DesiredState desired, HostSet hosts, CancellationToken ct) =>
        ReportLocks(await ApplyLock.InspectAsync(hosts[desired.Server.Host], desired.Server, ct).ConfigureAwait(false));

    private static void ReportLocks(IReadOnlyList<ObservedLock> locks)
    {
        foreach (var found in locks) Console.Error.Write($"Warning: {found.Summary}\n");
    }

    private static bool Confirm(string question)
    {
        if (!Terminal.IsInteractive)
        {
            Console.Error.Write("pemstate: refusing to apply without a person to confirm; pass --auto-approve (or apply a saved plan) to apply unattended.\n");
            return false;
        }
        var answer = AnsiConsole.Prompt(new TextPrompt<string>($"{question} Only [bold]yes[/] is accepted:").AllowEmpty());
        if (answer == "yes") return true;
        Console.Out.Write("Cancelled; nothing changed.\n");
        return false;
    }

    /// <summary>The saved plan promises other steps than the inventory and the hosts give now: edited, or made with other flags.</summary>
    private static int Broken(string plan, IReadOnlyList<string> differences)
    {
        Console.Error.Write($"pemstate: {plan} does not hold the steps a fresh plan takes; nothing was changed. " +
            "Make a new plan, or give apply the --rotate-ca / --rotate-common this one was made with; if nobody should have edited it, find out who did.\n");
        foreach (var difference in differences.Take(20)) Console.Error.Write($"  {difference}\n");
        if (differences.Count > 20) Console.Error.Write($"  ... and {differences.Count - 20} more\n");
        return ExitCodes.Error;
    }

    private static int Stale(string plan, IReadOnlyList<string> changes)
    {
        Console.Error.Write($"pemstate: stale plan: what {plan} was made from has changed; nothing was changed. Make a new plan.\n");
        foreach (var change in changes.Take(20)) Console.Error.Write($"  {change}\n");
        if (changes.Count > 20) Console.Error.Write($"  ... and {changes.Count - 20} more\n");
        return ExitCodes.Error;
    }

    /// <summary>
    /// Writes a saved plan readable by its owner only, from the moment it exists (it names every managed path and the
    /// restart commands): a temp file beside it, created exclusively with mode 0600 (O_CREAT|O_EXCL, which never
    /// follows a link), flushed, then renamed over the destination. rename(2) replaces a symlink at --out instead of
    /// writing through it, so a link planted there cannot point pemstate, running as root, at another file.
    /// </summary>
    private static async Task SavePlanAsync(string outFile, string text, CancellationToken ct)
    {
        var destination = Path.GetFullPath(outFile);
        var temp = Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        var create = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        try
        {
            var stream = new FileStream(temp, create);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, destination, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static string InventorySha256(string file) => Crypto.Fingerprints.Sha256Hex(File.ReadAllBytes(file));

    /// <summary>
    /// PEMSTATE_FAILPOINT_AFTER_STEP=N: after step N completes (journal written), stop dead and wait to be killed.
    /// The crash tests kill the real process there with SIGKILL; nothing else should set it.
    /// </summary>
    private static Func<int, Task>? Failpoint()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("PEMSTATE_FAILPOINT_AFTER_STEP"), out var stopAfter)) return null;
        return async step =>
        {
            if (step != stopAfter) return;
            Console.Error.Write($"pemstate: failpoint: stopped after step {step}\n");
            await Console.Error.FlushAsync().ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
        };
    }

    public static async Task<int> VerifyAsync(string file, bool connect, bool verbose, RemoteOptions remote, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, filter)) return ExitCodes.Error;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;
        ReportLocks(observed.StateFolder?.Locks ?? []);

        var findings = OfflineVerifier.Verify(desired, observed, Now()).Concat(DatabaseVerifier.Verify(desired, observed)).ToList();
        if (connect)
        {
            if (desired.Server.Database is null && desired.Web?.Address is null)
            {
                Console.Error.Write("pemstate: verify --connect needs server.database in the inventory (host, port, name, user), or web.address.\n");
                return ExitCodes.Error;
            }
            if (desired.Server.Database is not null)
            {
                var live = await LiveVerifier.VerifyAsync(desired, observed, ct).ConfigureAwait(false);
                foreach (var login in live.Logins)
                    Console.Out.Write($"agent {login.AgentId} as {login.User}: {(login.Succeeded ? "ok" : "FAILED: " + login.Message)}\n");
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

    public static async Task<int> StatusAsync(string file, bool json, bool verbose, RemoteOptions remote, CancellationToken ct)
    {
        if (await LoadAsync(file, remote, ct).ConfigureAwait(false) is not var (desired, filter)) return ExitCodes.Error;
        using var loggers = Loggers(verbose);
        await using var hosts = Hosts(desired, remote);
        var observed = await ObserveAsync(desired, hosts, ct).ConfigureAwait(false);
        if (observed is null) return ExitCodes.Error;
        ReportLocks(observed.StateFolder?.Locks ?? []);

        var rows = StatusReport.Create(desired, observed, Now());
        Console.Out.Write(json ? StatusRenderer.RenderJson(rows) : StatusRenderer.RenderText(rows));
        return ExitCodes.Done;
    }

    private static DesiredState? Load(string file)
    {
        var result = InventoryLoader.Load(file);
        foreach (var diagnostic in result.Diagnostics) Console.Error.Write($"{diagnostic}\n");
        if (result.IsValid) return result.State;
        Console.Error.Write($"pemstate: {result.Diagnostics.Count} problem(s) in {file}; nothing was observed or changed.\n");
        return null;
    }

    /// <summary>Inventory, then database discovery, then --skip-host: the agents this run manages, and what was left out.</summary>
    private static async Task<(DesiredState Desired, HostFilterResult Filter)?> LoadAsync(string file, RemoteOptions remote, CancellationToken ct)
    {
        var desired = Load(file);
        if (desired is null) return null;
        desired = await DiscoverAsync(desired, remote, ct).ConfigureAwait(false);
        var filter = Filter(desired, remote);
        return filter is null ? null : (filter.Desired, filter);
    }

    /// <summary>agents.discover: database: the active rows of pem.agent become the agent list; anything else passes through.</summary>
    private static async Task<DesiredState?> DiscoverAsync(DesiredState desired, RemoteOptions remote, CancellationToken ct)
    {
        // Discovery verifies the database with the server's root.crt, before --skip-host shapes the run's own host set.
        // A host is contacted only when used: without agents.discover: database this opens nothing.
        await using var hosts = Hosts(desired, remote);
        var discovery = await AgentDiscovery.DiscoverAsync(desired, hosts, ct).ConfigureAwait(false);
        foreach (var note in discovery.Notes) Console.Error.Write($"pemstate: note: {note}\n");
        foreach (var error in discovery.Errors) Console.Error.Write($"pemstate: {error}\n");
        if (discovery.Desired is null) Console.Error.Write("pemstate: nothing was observed or changed.\n");
        return discovery.Desired;
    }

    private static async Task<ObservedState?> ObserveAsync(DesiredState desired, HostSet hosts, CancellationToken ct)
    {
        try
        {
            return await new Observer(hosts).ObserveAsync(desired, ct).ConfigureAwait(false);
        }
        catch (HostOperationException e)
        {
            var hint = desired.Hosts.TryGetValue(e.Host, out var spec) && spec.Transport == HostTransport.Ssh && e.Host != desired.Server.Host
                ? $" To leave it out of this run: --skip-host {e.Host}" : "";
            Console.Error.Write($"pemstate: cannot observe {e.Message}; nothing was changed.{hint}\n");
            return null;
        }
    }

    /// <summary>Applies --skip-host; says what is left out (on stderr, so that --json output stays JSON). Null: refused.</summary>
    private static HostFilterResult? Filter(DesiredState? desired, RemoteOptions remote)
    {
        if (desired is null) return null;
        var filter = HostFilter.Apply(desired, remote.SkipHosts);
        if (filter.Error is not null)
        {
            Console.Error.Write($"pemstate: {filter.Error}; nothing was observed or changed.\n");
            return null;
        }
        if (filter.Summary is { } summary) Console.Error.Write($"{summary}\n");
        return filter;
    }

    private static bool Refuses(Plan plan, HostFilterResult filter)
    {
        if (HostFilter.Conflict(plan, filter) is not { } conflict) return false;
        Console.Error.Write($"pemstate: refusing this plan: {conflict}. Nothing was changed.\n");
        return true;
    }

    private static HostSet Hosts(DesiredState desired, RemoteOptions remote) =>
        new(desired, new SshOptions(remote.AcceptNewHostKeys, Notice: notice => Console.Error.Write($"pemstate: {notice}\n")));

    private static ILoggerFactory Loggers(bool verbose) => LogOutput.Create(verbose);

    /// <summary>The clock. PEMSTATE_NOW (ISO 8601) pins it, for tests and for "what will plan say on that day" questions.</summary>
    private static TimeProvider Clock() =>
        Environment.GetEnvironmentVariable("PEMSTATE_NOW") is { Length: > 0 } pinned
            ? new FixedClock(DateTimeOffset.Parse(pinned, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal))
            : TimeProvider.System;

    private static DateTimeOffset Now() => Clock().GetUtcNow();

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
