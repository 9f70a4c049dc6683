using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;
using PemCertState.Configuration;
using PemCertState.Crypto;
using PemCertState.Database;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.State;

namespace PemCertState.Execution;

/// <summary>
/// Carries out a plan, step by step, in the plan's order; switches on <see cref="PlanStep.Action"/> only.
/// Keys are generated in parallel and in memory from the start, while the steps run (a step that needs a
/// key waits for it); nothing reaches a disk before its backup is written. The first failing step stops the apply, and the result says which steps completed.
/// </summary>
internal sealed partial class Executor(HostSet hosts, ILogger<Executor> logger, TimeProvider clock)
{
    /// <param name="cancellationToken">Stops the apply between steps (the first Ctrl-C, SIGTERM): the steps under way finish and
    /// are journaled, no other starts, the journal ends "interrupted" and the result lists what was left.</param>
    /// <param name="midStep">Also stops the steps under way (a second Ctrl-C): their commands are killed and their I/O
    /// abandoned, leaving what a crash at that point leaves, which the next plan takes up.</param>
    /// <param name="steps">Told when each step begins and ends (<see cref="StepProgress"/>), synchronously; null for nobody.</param>
    public async Task<ApplyResult> ApplyAsync(
        DesiredState desired, ObservedState observed, Plan plan, int parallelism,
        IProgress<KeyProgress>? progress, CancellationToken cancellationToken,
        Journal? journal = null, Func<int, Task>? afterStep = null, CancellationToken midStep = default, IProgress<StepProgress>? steps = null)
    {
        var stop = cancellationToken;
        // Every step's I/O (and the journal's) gets midStep only: once begun, a step runs to its end unless that is cancelled.
        var homes = KeyHomes(plan);
        var run = new Run(desired, observed, clock.GetUtcNow())
        {
            Homes = homes,
            Trusted = new SignedCertificates(desired, observed, clock),
            BackupDirs = plan.Steps.OfType<BackupStep>().Select(st => (st.Host, st.BackupDir)).Distinct().ToList(),
            Loaded = new LoadedFiles(hosts[desired.Server.Host], LoadedFiles.PathFor(desired.Server)),
            Issued = new IssuanceRecord(hosts[desired.Server.Host], desired.Server.StateDir),
            BackupId = plan.BackupId,
            ContinuesBackup = plan.BackupId is not null,
            RollbackOf = plan.RollbackOf,
            StepProgress = steps,
        };
        var outcome = new Outcome(plan);
        // Stopped before anything began: not even the journal is replaced, so the last run's stays as it was.
        if (stop.IsCancellationRequested)
            return new ApplyResult([], null, null, []) { Interrupted = true, Left = plan.Steps };
        // Key generation is CPU-bound: one thread a core at most, whatever the number of hosts at once. Stopping
        // between steps stops it too: no key is wanted by a step that will not start.
        using var keyStop = CancellationTokenSource.CreateLinkedTokenSource(stop, midStep);
        using var keys = KeyWorkers.Start(plan, homes, Math.Min(Math.Max(1, parallelism), Environment.ProcessorCount), progress, logger, keyStop.Token);
        try
        {
            run.CaKeyHere = await ReadCaKeyHereAsync(plan, observed, midStep).ConfigureAwait(false);
            // Chosen before the journal begins, which records it: a rollback rerun after a crash completes that set.
            var backupId = run.BackupDirs.Count == 0 ? null : await BackupIdAsync(run, midStep).ConfigureAwait(false);
            if (journal is not null) await journal.BeginAsync(plan, run.Now, backupId, midStep).ConfigureAwait(false);
            // Before the first file changes: from here on, what every consumer loaded is on record.
            var baseline = OwedRestarts.Baseline(desired, observed, plan);
            if (OwedRestarts.MustRecord(baseline, observed, plan))
                await run.Loaded.BeginAsync(desired.Server.StateDir, baseline, run.Now, midStep).ConfigureAwait(false);
            for (var i = 0; i < plan.Steps.Count;)
            {
                if (plan.Steps[i].Address.Agent is null)
                {
                    outcome.Current = i;
                    await RunStepAsync(i, plan, run, keys, outcome, journal, afterStep, stop, midStep).ConfigureAwait(false);
                    i++;
                    continue;
                }
                var end = i;
                while (end < plan.Steps.Count && plan.Steps[end].Address.Agent is not null) end++;
                await RunAgentsAsync(i, end, plan, run, keys, outcome, journal, afterStep, parallelism, stop, midStep).ConfigureAwait(false);
                i = end;
            }
            var failed = outcome.Failures.Count == 0 ? null
                : $"{Rendering.Counts.Of(outcome.Failures.Count, "agent step")} failed; {Rendering.Counts.Of(outcome.Skipped.Count, "later step")} did not run, the server restart among them";
            if (outcome.Left.Count > 0)
            {
                var why = $"interrupted between steps; {outcome.Left.Count} of {plan.Steps.Count} steps not started"
                    + (failed is null ? "" : $"; {failed}");
                if (journal is not null) await journal.InterruptedAsync(why, midStep).ConfigureAwait(false);
                return Interrupted(outcome, run, plan, why);
            }
            if (journal is not null) await journal.EndAsync(failed, midStep).ConfigureAwait(false);
            return new ApplyResult(outcome.InPlanOrder(outcome.Completed), outcome.Failures.FirstOrDefault()?.Step, failed, run.BackupSetPaths,
                outcome.Failures.OrderBy(f => outcome.Index[f.Step]).ToList(), outcome.InPlanOrder(outcome.Skipped));
        }
        catch (OperationCanceledException) when (midStep.IsCancellationRequested || stop.IsCancellationRequested)
        {
            // Stopped inside a step (a second Ctrl-C): what was under way is left as a crash there would leave it.
            var running = outcome.Running();
            var why = running.Count == 0 ? $"interrupted: {outcome.Completed.Count} of {Rendering.Counts.Of(plan.Steps.Count, "step")} completed"
                : $"interrupted during step {string.Join(" and step ", running.Select(s => $"{outcome.Index[s] + 1} ({s.Address} {s.Action.WireName()})"))}";
            Log.ApplyInterrupted(logger, why);
            if (journal is not null)
            {
                try { await journal.InterruptedAsync(why, CancellationToken.None).ConfigureAwait(false); }
                catch (Exception journalError) when (journalError is IOException or UnauthorizedAccessException or HostOperationException) { /* a crash there would have left no end either */ }
            }
            return Interrupted(outcome, run, plan, why) with { MidStep = true };
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            var step = plan.Steps[outcome.Current];
            Log.StepFailed(logger, step.Address.ToString(), step.Action.WireName(), step.Host, e.Message);
            if (journal is not null)
            {
                try { await journal.EndAsync(e.Message, CancellationToken.None).ConfigureAwait(false); }
                catch (Exception journalError) when (journalError is IOException or UnauthorizedAccessException) { /* the apply already failed; its own error is the one to report */ }
            }
            return new ApplyResult(outcome.InPlanOrder(outcome.Completed), step, e.Message, run.BackupSetPaths);
        }
    }

    /// <summary>What an interrupted apply did, and every step it left: not started, or cut short inside.</summary>
    private static ApplyResult Interrupted(Outcome outcome, Run run, Plan plan, string why)
    {
        var settled = outcome.Completed.Concat(outcome.Skipped).Concat(outcome.Failures.Select(f => f.Step)).ToHashSet(ReferenceEqualityComparer.Instance);
        return new ApplyResult(outcome.InPlanOrder(outcome.Completed), null, null, run.BackupSetPaths,
            outcome.Failures.OrderBy(f => outcome.Index[f.Step]).ToList(), outcome.InPlanOrder(outcome.Skipped))
        {
            Interrupted = true,
            Interruption = why,
            Left = [.. plan.Steps.Where(s => !settled.Contains(s))],
        };
    }

    /// <summary>
    /// One step: left when the apply is stopping, skipped when an earlier failure blocks it, else journaled, carried out,
    /// journaled again. Once begun, a step runs to its end unless <paramref name="ct"/> (mid-step) is cancelled.
    /// </summary>
    private async Task RunStepAsync(
        int i, Plan plan, Run run, KeyWorkers keys, Outcome outcome, Journal? journal, Func<int, Task>? afterStep, CancellationToken stop, CancellationToken ct)
    {
        var step = plan.Steps[i];
        ct.ThrowIfCancellationRequested();
        if (stop.IsCancellationRequested)
        {
            outcome.Leave(step);
            return;
        }
        if (outcome.Blocked(step))
        {
            outcome.Skip(step);
            return;
        }
        if (!await KeyReadyAsync(step, run, keys, stop, ct).ConfigureAwait(false))
        {
            outcome.Leave(step);
            return;
        }
        Log.StepStarted(logger, step.Address.ToString(), step.Action.WireName(), step.Host, string.Join(' ', step.Paths));
        outcome.Start(step);
        if (journal is not null) await journal.StepAsync("started", i + 1, step, ct).ConfigureAwait(false);
        var started = clock.GetTimestamp();
        run.StepProgress?.Report(new StepProgress(i + 1, step, Ended: false, TimeSpan.Zero));
        try
        {
            await ExecuteAsync(step, run, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (step.Address.Agent is { } agent && IsHostFailure(e))
        {
            // One agent's failure stays with that agent: its later steps are skipped (its key and certificate
            // are installed together or not at all), other agents go on.
            Log.StepFailed(logger, step.Address.ToString(), step.Action.WireName(), step.Host, e.Message);
            run.StepProgress?.Report(new StepProgress(i + 1, step, Ended: true, clock.GetElapsedTime(started), e.Message));
            outcome.Fail(agent, new StepFailure(step, e.Message));
            return;
        }
        catch (Exception e)
        {
            // The apply stops on it (a server-side failure, a second Ctrl-C); whoever shows the step's start is told it ended.
            run.StepProgress?.Report(new StepProgress(i + 1, step, Ended: true, clock.GetElapsedTime(started), e is OperationCanceledException ? "interrupted" : e.Message));
            throw;
        }
        run.StepProgress?.Report(new StepProgress(i + 1, step, Ended: true, clock.GetElapsedTime(started)));
        if (journal is not null) await journal.StepAsync("completed", i + 1, step, ct).ConfigureAwait(false);
        outcome.Complete(step);
        if (afterStep is not null) await afterStep(i + 1).ConfigureAwait(false);
    }

    private static bool IsHostFailure(Exception e) => e is StepFailedException or HostOperationException or IOException or UnauthorizedAccessException;

    /// <summary>What the apply did so far; agents' lanes report into it at once, so every change is under its lock.</summary>
    private sealed class Outcome
    {
        private readonly Lock _lock = new();
        private readonly HashSet<int> _failedAgents = [];

        public Outcome(Plan plan)
        {
            for (var i = 0; i < plan.Steps.Count; i++) Index[plan.Steps[i]] = i;
        }

        public List<PlanStep> Completed { get; } = [];
        public List<PlanStep> Skipped { get; } = [];

        /// <summary>Steps not started because the apply was stopping.</summary>
        public List<PlanStep> Left { get; } = [];
        private readonly HashSet<PlanStep> _running = new(ReferenceEqualityComparer.Instance);
        public List<StepFailure> Failures { get; } = [];
        public Dictionary<PlanStep, int> Index { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>The sequential step running now: the one an error outside the agents' lanes is reported against.</summary>
        public int Current { get; set; }

        public void Start(PlanStep step) { lock (_lock) _running.Add(step); }

        public void Complete(PlanStep step)
        {
            lock (_lock)
            {
                _running.Remove(step);
                Completed.Add(step);
            }
        }

        /// <summary>Not made because a step before it failed (one it was joined with may have been journaled as started).</summary>
        public void Skip(PlanStep step)
        {
            lock (_lock)
            {
                _running.Remove(step);
                Skipped.Add(step);
            }
        }

        public void Leave(PlanStep step) { lock (_lock) Left.Add(step); }

        /// <summary>Steps begun and not yet completed or failed, in plan order.</summary>
        public List<PlanStep> Running()
        {
            lock (_lock) return [.. _running.OrderBy(s => Index[s])];
        }

        public void Fail(int agent, StepFailure failure)
        {
            lock (_lock)
            {
                _running.Remove(failure.Step);
                _failedAgents.Add(agent);
                Failures.Add(failure);
            }
        }

        /// <summary>
        /// After an agent failed: that agent's later steps, and every server-side step after the agents (the server
        /// restart, and dropping an old CA), because the server must not restart on files that may reject an agent
        /// that was left behind. Agents run in parallel never block each other.
        /// </summary>
        public bool Blocked(PlanStep step)
        {
            lock (_lock)
                return _failedAgents.Count > 0 && (step.Address.Agent is not { } agent || _failedAgents.Contains(agent));
        }

        public List<PlanStep> InPlanOrder(List<PlanStep> steps)
        {
            lock (_lock) return [.. steps.OrderBy(s => Index[s])];
        }
    }

    /// <summary>
    /// Per-apply state: keys and certificates made so far, the CA to sign with, backup sets opened. Agents' lanes
    /// share it, so its collections are concurrent and a backup set is written by one lane at a time.
    /// </summary>
    private sealed class Run(DesiredState desired, ObservedState observed, DateTimeOffset now)
    {
        private readonly Lock _lock = new();
        private CertificateAuthority? _ca;

        public DesiredState Desired { get; } = desired;
        public ObservedState Observed { get; } = observed;
        public DateTimeOffset Now { get; } = now;
        public ConcurrentDictionary<ResourceAddress, AsymmetricCipherKeyPair> Keys { get; } = new();
        public ConcurrentDictionary<ResourceAddress, X509Certificate> Certificates { get; } = new();

        /// <summary>Keys made on their hosts in this apply (their bytes stay there), by address.</summary>
        public ConcurrentDictionary<ResourceAddress, HostKey> HostKeys { get; } = new();

        /// <summary>Which keys of the plan are made on their hosts, and where.</summary>
        public IReadOnlyDictionary<ResourceAddress, KeyHome> Homes { get; init; } = new Dictionary<ResourceAddress, KeyHome>();
        public ConcurrentDictionary<(string Host, string Dir), BackupSetWriter> Backups { get; } = [];
        public List<string> BackupSetPaths { get; } = [];
        public required SignedCertificates Trusted { get; init; }

        /// <summary>Where a successful restart records what its consumer loaded.</summary>
        public required LoadedFiles Loaded { get; init; }

        /// <summary>Where every certificate the managed CA signs in this apply is recorded.</summary>
        public required IssuanceRecord Issued { get; init; }

        /// <summary>Every backup folder the plan writes into: the run's backup id must be new in all of them.</summary>
        public IReadOnlyList<(string Host, string Dir)> BackupDirs { get; init; } = [];
        public SemaphoreSlim BackupIdGate { get; } = new(1, 1);
        public string? BackupId { get; set; }

        /// <summary><see cref="BackupId"/> names the set of an interrupted rollback, which this run completes: the manifests it left are added to.</summary>
        public bool ContinuesBackup { get; init; }

        /// <summary>A rollback's run: the id it restores, recorded in the manifests of the sets it makes.</summary>
        public string? RollbackOf { get; init; }

        /// <summary>Told when each step begins and ends; null for nobody.</summary>
        public IProgress<StepProgress>? StepProgress { get; init; }

        /// <summary>The files a set in each backup folder may hold, for checking the manifests a continued rollback adds to.</summary>
        public IReadOnlyDictionary<(string Host, string Folder), IReadOnlyDictionary<string, RestorableFile>> Restorable =>
            LazyInitializer.EnsureInitialized(ref _restorable, () => RestorableFiles.ByFolder(Desired));

        private IReadOnlyDictionary<(string Host, string Folder), IReadOnlyDictionary<string, RestorableFile>>? _restorable;

        public CertificateAuthority? Ca
        {
            get { lock (_lock) return _ca; }
            set { lock (_lock) _ca = value; }
        }

        /// <summary>ca_key.key where pemstate runs, read at the apply's start when a step signs with it; null otherwise.</summary>
        public AsymmetricCipherKeyPair? CaKeyHere { get; set; }

        /// <summary>The CA issued in this apply, or else the one on the server (<paramref name="observedCa"/>), made once.</summary>
        public CertificateAuthority SigningCa(Func<CertificateAuthority?> observedCa)
        {
            lock (_lock)
            {
                if (_ca is not null) return _ca;
                return _ca = observedCa() ?? throw new StepFailedException("the CA key or certificate could not be read from the server");
            }
        }

        public void AddBackupSet(string path)
        {
            lock (_lock) BackupSetPaths.Add(path);
        }
    }

    /// <summary>One backup folder being filled: its manifest, and the gate that keeps two lanes from writing it at once.</summary>
    private sealed class BackupSetWriter
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public string? Folder { get; set; }
        public BackupManifest? Manifest { get; set; }
    }

    /// <summary>
    /// Generates the plan's keys on <c>parallelism</c> threads, in plan order, while the steps run: the file
    /// steps (fsyncs, restarts) wait on the disk and on child processes, not on the CPU, so they hide behind
    /// key generation instead of following it (RSA fresh applies were 2.6x the key-generation floor).
    /// Keys stay in memory until their install step; nothing reaches a disk earlier than before, and every
    /// step still runs in the plan's order. Disposing stops the workers that are still going and waits for them.
    /// </summary>
    private sealed class KeyWorkers : IDisposable
    {
        private readonly GenerateKeyStep[] _wanted;
        private readonly Dictionary<ResourceAddress, TaskCompletionSource<AsymmetricCipherKeyPair>> _keys = new();
        private readonly CancellationTokenSource _stop;
        private readonly Task[] _threads;
        private int _next = -1;
        private int _done;

        private KeyWorkers(GenerateKeyStep[] wanted, int parallelism, IProgress<KeyProgress>? progress, ILogger logger, CancellationToken ct)
        {
            _wanted = wanted;
            foreach (var step in wanted)
                _keys[step.Address] = new TaskCompletionSource<AsymmetricCipherKeyPair>(TaskCreationOptions.RunContinuationsAsynchronously);
            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var workers = Math.Min(Math.Max(1, parallelism), Math.Max(1, wanted.Length));
            var stopwatch = Stopwatch.StartNew();
            _threads = new Task[wanted.Length == 0 ? 0 : workers];
            for (var w = 0; w < _threads.Length; w++)
                _threads[w] = Task.Factory.StartNew(() => Work(progress), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (_threads.Length > 0)
                _ = Task.WhenAll(_threads).ContinueWith(
                    t => { if (t.IsCompletedSuccessfully && _done == _wanted.Length) Log.KeysGenerated(logger, _wanted.Length, workers, stopwatch.ElapsedMilliseconds); },
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        /// <summary>Every key of the plan but those made on their own hosts (<paramref name="homes"/>).</summary>
        public static KeyWorkers Start(Plan plan, IReadOnlyDictionary<ResourceAddress, KeyHome> homes, int parallelism, IProgress<KeyProgress>? progress, ILogger logger, CancellationToken ct) =>
            new(plan.Steps.OfType<GenerateKeyStep>().Where(s => !homes.ContainsKey(s.Address)).ToArray(), parallelism, progress, logger, ct);

        public (ResourceAddress Address, Task<AsymmetricCipherKeyPair> Key)? Pending(ResourceAddress address) =>
            _keys.TryGetValue(address, out var key) ? (address, key.Task) : null;

        private void Work(IProgress<KeyProgress>? progress)
        {
            int i;
            while ((i = Interlocked.Increment(ref _next)) < _wanted.Length)
            {
                var slot = _keys[_wanted[i].Address];
                if (_stop.IsCancellationRequested)
                {
                    slot.TrySetCanceled(_stop.Token);
                    continue;
                }
                try
                {
                    slot.TrySetResult(KeyGenerator.Generate(_wanted[i].Key));
                    // Counted apart from the report: `progress?.Report(...)` skips its argument, count and all, without a reporter.
                    var done = Interlocked.Increment(ref _done);
                    progress?.Report(new KeyProgress(done, _wanted.Length));
                }
                catch (Exception e)
                {
                    slot.TrySetException(e);
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { Task.WaitAll(_threads); }
            catch (AggregateException) { /* a worker's failure reached its step already */ }
            _stop.Dispose();
        }
    }

    private async Task ExecuteAsync(PlanStep step, Run run, CancellationToken ct)
    {
        var host = hosts[step.Host];
        if (step is GenerateKeyStep generate && run.Homes.TryGetValue(step.Address, out var home))
        {
            await GenerateOnHostAsync(generate, home, host, run, ct).ConfigureAwait(false);
            return;
        }
        if (await run.Trusted.TryExecuteAsync(step, hosts, run.Keys, TrustedKeyOnHost(run), ct).ConfigureAwait(false)) return;
        switch (step)
        {
            case GenerateKeyStep:
                break; // done up front, in parallel
            case BackupStep backup:
                await BackupAsync(backup, host, run, ct).ConfigureAwait(false);
                break;
            case IssueStep issue:
                await IssueAsync(issue, run, ct).ConfigureAwait(false);
                // On record before the certificate reaches any host: a later plan can still find it when its holder has left.
                await run.Issued.RecordAsync(step.Address, run.Certificates[step.Address], run.Now, ct).ConfigureAwait(false);
                break;
            case InstallStep install:
                await InstallAsync(install, host, run, ct).ConfigureAwait(false);
                break;
            case WriteBundleStep write:
                var bundle = (write.Bundle ?? ["ca"]).Select(entry => entry == "ca" ? SigningCa(run).Certificate : ObservedCaCertificate(run, entry));
                await WritePrivateAsync(host, write.Path, string.Concat(bundle.Select(PemCodec.EncodeCertificate)), write.Owner, ct).ConfigureAwait(false);
                break;
            case WriteCrlStep crl:
                await WriteCrlAsync(crl, host, run, ct).ConfigureAwait(false);
                break;
            case SetModeStep mode:
                await host.SetModeAsync(mode.Path, mode.Mode, ct).ConfigureAwait(false);
                break;
            case SetOwnerStep owner:
                await host.SetOwnerAsync(owner.Path, owner.Owner, ct).ConfigureAwait(false);
                break;
            case EditSettingsStep edit:
                await EditSettingsAsync(edit, host, run, ct).ConfigureAwait(false);
                break;
            case RestartStep restart:
                await RestartAsync(restart, host, run, ct).ConfigureAwait(false);
                break;
            case ReloadStep reload:
                await ReloadAsync(reload, host, run, ct).ConfigureAwait(false);
                break;
            case CreateRoleStep:
                await CreateRoleAsync(step, run, ct).ConfigureAwait(false);
                break;
            case RestoreStep restore:
                await RestoreAsync(restore, host, ct).ConfigureAwait(false);
                break;
            case TestConfigStep test:
                await TestConfigAsync(test, host, run, ct).ConfigureAwait(false);
                break;
            case WriteLedgerStep ledger:
                await WriteLedgerAsync(ledger, host, run, ct).ConfigureAwait(false);
                break;
            case MoveStateStep move:
                await MoveStateAsync(move, host, run, ct).ConfigureAwait(false);
                break;
            case RemoveLeftoverStep leftover:
                var proof = LeftoverCleanup.ProofFor(run.Desired, run.Observed, step.Host, leftover.Path)
                    ?? throw new StepFailedException($"{leftover.Path} is not where and how pemstate's interrupted writes leave something; nothing removed");
                await host.RemoveLeftoverAsync(leftover.Path, proof, ct).ConfigureAwait(false);
                break;
            default:
                throw new StepFailedException($"{step.Action} is not supported by this version");
        }
    }

    private async Task BackupAsync(BackupStep step, IHost host, Run run, CancellationToken ct)
    {
        var set = run.Backups.GetOrAdd((step.Host, step.BackupDir), _ => new BackupSetWriter());
        await set.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (set.Folder is null || set.Manifest is null)
            {
                // New in every backup folder of the plan, this one among them (BackupIdAsync looked).
                var folder = Path.Combine(step.BackupDir, await BackupIdAsync(run, ct).ConfigureAwait(false));
                await host.EnsureDirectoryAsync(folder, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
                var begun = run.ContinuesBackup ? await ContinuedManifestAsync(step, host, run, folder, ct).ConfigureAwait(false) : null;
                (set.Folder, set.Manifest) = (folder, begun ?? new BackupManifest(Path.GetFileName(folder), run.Now, step.Host, [], run.RollbackOf));
                run.AddBackupSet($"{step.Host}:{folder}");
            }

            foreach (var path in step.Files)
            {
                var file = await host.ReadAsync(path, ct).ConfigureAwait(false);
                if (!file.Exists) continue;
                var name = Path.GetFileName(path);
                var taken = set.Manifest.Files.Select(f => f.BackupFile).ToHashSet(StringComparer.Ordinal);
                for (var n = 1; taken.Contains(name); n++) name = $"{Path.GetFileName(path)}.{n}";
                // Backups may hold keys: always 0600, whatever the original mode was. A key its host keeps is copied there.
                var sha256 = file.Sha256;
                if (file.Sealed is not null)
                    await host.CopyAsync(path, sha256, Path.Combine(set.Folder, name), FileModes.Private, null, ct).ConfigureAwait(false);
                else
                    await host.WriteAtomicAsync(Path.Combine(set.Folder, name), file.Content, FileModes.Private, null, ct).ConfigureAwait(false);
                set.Manifest.Files.Add(new BackupManifestEntry(step.Address, step.Host, path, name, sha256, file.ModeText, file.Owner));
            }
            var manifest = JsonSerializer.SerializeToUtf8Bytes(set.Manifest, State.BackupManifestJson.Default.BackupManifest);
            await host.WriteAtomicAsync(Path.Combine(set.Folder, "manifest.json"), manifest, FileModes.Private, null, ct).ConfigureAwait(false);
            Log.BackedUp(logger, step.Address.ToString(), step.Files.Count, set.Folder);
        }
        finally
        {
            set.Gate.Release();
        }
    }

    /// <summary>
    /// The manifest an interrupted rollback left in <paramref name="folder"/>, which this run adds to; null when it wrote
    /// none there. Read again and checked like any other: the folder may be another account's.
    /// </summary>
    private static async Task<BackupManifest?> ContinuedManifestAsync(BackupStep step, IHost host, Run run, string folder, CancellationToken ct)
    {
        var path = Path.Combine(folder, "manifest.json");
        var file = await host.ReadAsync(path, ct).ConfigureAwait(false);
        if (!file.Exists) return null;
        var (set, problems) = BackupManifestReader.Read(file.Content, step.Host, folder, run.Restorable[(step.Host, step.BackupDir)]);
        if (set is null) throw new StepFailedException($"{path}, begun by the interrupted rollback, fails its checks ({string.Join("; ", problems)}); nothing was added to it");
        return new BackupManifest(set.Id, set.CreatedAt, set.Host, [.. set.Files], run.RollbackOf);
    }

    /// <summary>
    /// One id for every backup folder of the run, so that `pemstate rollback` finds the whole apply under it: the time
    /// to the second, with -1, -2... when an earlier run of the same second (a fast apply, or a fixed PEMSTATE_NOW)
    /// left a set of that id in any of the plan's backup folders. Chosen per folder, the server's set of a second apply
    /// in the same second became "-1" while an agent's stayed plain, and a rollback put back only half of the apply.
    /// </summary>
    private async Task<string> BackupIdAsync(Run run, CancellationToken ct)
    {
        await run.BackupIdGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (run.BackupId is { } chosen) return chosen;
            var stamp = run.Now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            for (var n = 0; ; n++)
            {
                var candidate = n == 0 ? stamp : $"{stamp}-{n}";
                // All at once: over SSH the reads of one host then leave as one command.
                var manifests = await Task.WhenAll(run.BackupDirs.Select(d => hosts[d.Host].ReadAsync(Path.Combine(d.Dir, candidate, "manifest.json"), ct))).ConfigureAwait(false);
                if (!manifests.Any(m => m.Exists)) return run.BackupId = candidate;
            }
        }
        finally
        {
            run.BackupIdGate.Release();
        }
    }

    private async Task IssueAsync(IssueStep step, Run run, CancellationToken ct)
    {
        var request = step.Request;
        X509Certificate certificate;
        if (request.SelfSigned)
        {
            var ca = run.Keys.TryGetValue(step.Address, out var key)
                ? CertificateAuthority.CreateSelfSigned(request.Subject, key, run.Now, request.Validity)
                : await CertificateAuthority.CreateSelfSignedAsync(request.Subject, PublicKeyOf(run, step.Address),
                    SignerOnHost(run, step.Address, PublicKeyOf(run, step.Address)), run.Now, request.Validity, ct).ConfigureAwait(false);
            run.Ca = ca;
            certificate = ca.Certificate;
        }
        else
        {
            // The plan cut the validity to the CA's end as of planning; a saved plan applied later is cut again here.
            var ca = SigningCa(run);
            var caEnd = new DateTimeOffset(DateTime.SpecifyKind(ca.Certificate.NotAfter, DateTimeKind.Utc));
            if (caEnd <= run.Now) throw new StepFailedException($"the CA {request.Issuer} expired on {caEnd:yyyy-MM-dd}; it cannot sign {step.Address}");
            var validity = run.Now + request.Validity > caEnd ? caEnd - run.Now : request.Validity;
            certificate = await ca.IssueAsync(request.Subject, PublicKeyOf(run, step.Address), request.Usage!.Value, run.Now, validity, request.SubjectAltNames, ct)
                .ConfigureAwait(false);
        }
        run.Certificates[step.Address] = certificate;
        var summary = CertificateSummary.From(certificate);
        Log.Issued(logger, step.Address.ToString(), summary.Subject, summary.Serial, summary.Sha256);
    }

    private CertificateAuthority SigningCa(Run run) =>
        run.SigningCa(() => ObservedCa(run, run.Observed.Server.CaKey, run.Observed.Server.CaCertificate.Certificate));

    private async Task InstallAsync(InstallStep step, IHost host, Run run, CancellationToken ct)
    {
        await host.RunInOrderAsync(await InstallChangesAsync(step, host, run, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        Installed(step, run);
    }

    /// <summary>The pair switch's changes for an install step (<see cref="PairSwitch"/>), not yet made.</summary>
    private async Task<List<FileChange>> InstallChangesAsync(InstallStep step, IHost host, Run run, CancellationToken ct)
    {
        var certificate = CertificateOf(step.Source, run);
        var key = await PairKeyOf(step, run, ct).ConfigureAwait(false);
        return await PairSwitch.ChangesAsync(host, run.Desired, step.Address, step.KeyPath, step.CertificatePath,
            key, PemCodec.EncodeCertificate(certificate), step.Owner, ct).ConfigureAwait(false);
    }

    /// <summary>Once an install's changes are made: the staged copy is gone, so a later signature with this key (the CA's) finds it under its live name.</summary>
    private static void Installed(InstallStep step, Run run)
    {
        var source = step.Source;
        if (run.HostKeys.TryGetValue(source, out var kept) && kept.Host == step.Host)
            run.HostKeys[source] = kept with { Path = step.KeyPath };
    }

    /// <summary>The certificate of the pair at <paramref name="source"/>: issued in this apply, or the one an agent holds.</summary>
    private static X509Certificate CertificateOf(ResourceAddress source, Run run) =>
        run.Certificates.TryGetValue(source, out var issued) ? issued
        : source is { IsAgentFile: true, Agent: { } id } && run.Observed.Agents.TryGetValue(id, out var agent) && agent.Certificate.Certificate is { } seen ? seen
        : throw new StepFailedException($"no key and certificate to install from {source}");

    /// <summary>A CA certificate seen in root.crt or ca_certificate.crt, by its SHA-256 (a rotation keeps trusting it).</summary>
    private static X509Certificate ObservedCaCertificate(Run run, string sha256)
    {
        var seen = run.Observed.Server;
        return seen.Root.Certificates.Append(seen.CaCertificate.Certificate).OfType<X509Certificate>()
            .FirstOrDefault(c => CertificateSummary.From(c).Sha256 == sha256)
            ?? throw new StepFailedException($"the CA certificate with SHA-256 {sha256} is no longer in root.crt or ca_certificate.crt");
    }

    private async Task WriteCrlAsync(WriteCrlStep step, IHost host, Run run, CancellationToken ct)
    {
        var crls = new List<X509Crl>();
        foreach (var entry in step.Bundle ?? ["ca"])
        {
            if (entry == "ca")
            {
                var ca = SigningCa(run);
                crls.Add(await ca.CreateCrlAsync(run.Now, run.Desired.Ca.CrlValidity, WithRevocations(RevokedBy(run, ca.Certificate), step.Revoke, run.Now), ct).ConfigureAwait(false));
                continue;
            }
            // A CA being rotated out keeps its own CRL while still trusted: the one on disk when current, else a new one
            // signed with its key (still in ca_key.key when this apply replaces it, so in memory here).
            var old = ObservedCaCertificate(run, entry);
            var current = run.Observed.Server.Crl.All.FirstOrDefault(c => Verifies(c, old) && c.NextUpdate is { } next && next > run.Now.UtcDateTime);
            if (current is not null) { crls.Add(current); continue; }
            var seen = run.Observed.Server;
            if (seen.CaCertificate.Certificate is { } oldCert && oldCert.Equals(old) && ObservedCa(run, seen.CaKey, old) is { } oldCa)
            {
                crls.Add(await oldCa.CreateCrlAsync(run.Now, run.Desired.Ca.CrlValidity, RevokedBy(run, old), ct).ConfigureAwait(false));
                continue;
            }
            throw new StepFailedException($"no current CRL for {DistinguishedNames.Format(old.SubjectDN)} and no key to sign one; a CA in root.crt without its CRL fails every login");
        }
        await WritePrivateAsync(host, step.Path, string.Concat(crls.Select(PemCodec.EncodeCrl)), step.Owner, ct).ConfigureAwait(false);
    }

    /// <summary>Revocations survive a re-signed CRL, but only those made by that same CA.</summary>
    private static List<RevokedEntry> RevokedBy(Run run, X509Certificate ca)
    {
        var revoked = new List<RevokedEntry>();
        foreach (var old in run.Observed.Server.Crl.All.Where(c => Verifies(c, ca)))
            foreach (var entry in old.GetRevokedCertificates() ?? new HashSet<X509CrlEntry>())
                revoked.Add(new RevokedEntry(entry.SerialNumber, new DateTimeOffset(entry.RevocationDate, TimeSpan.Zero)));
        return revoked;
    }

    private static bool Verifies(X509Crl crl, X509Certificate ca) => Crypto.ChainCheck.Signs(ca, crl);

    private static async Task EditSettingsAsync(EditSettingsStep step, IHost host, Run run, CancellationToken ct) =>
        await host.RunInOrderAsync(await SettingsChangesAsync(step, host, run, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    /// <summary>A settings edit's changes, not yet made: its folder, and the config written over the very text it was edited from.</summary>
    private static async Task<List<FileChange>> SettingsChangesAsync(EditSettingsStep step, IHost host, Run run, CancellationToken ct)
    {
        var path = step.Path;
        // As last read or written here (the pair switch before it may have): the write goes through only over that very text.
        var file = (await host.ReadKnownAsync([path], exact: true, ct).ConfigureAwait(false))[0];
        if (file.Sealed is not null) throw new StepFailedException($"{path} on {step.Host} holds a private key block; pemstate will not rewrite it as a config");
        var text = file.Exists ? Encoding.UTF8.GetString(file.Content) : "";
        var settings = step.Settings.Select(s => KeyValuePair.Create(s.Name, s.After)).ToList();
        var edited = step.Format switch
        {
            ConfigFormat.PostgresqlConf => PostgresqlConf.Edit(text, settings, new HashSet<string>(Planner.QuotedSettings, StringComparer.OrdinalIgnoreCase)),
            ConfigFormat.ApacheConf or ConfigFormat.NginxConf => EditWebConfig(step, file.Exists, text, settings, run),
            _ => AgentCfg.Edit(text, settings),
        };
        var owner = file.Exists ? null : OwnerFor(step, run);
        var mode = file.Exists ? FileModes.Permissions(file.Mode) : FileModes.Private;
        return [
            new FileChange.EnsureFolder(Path.GetDirectoryName(path)!, FileModes.PrivateDirectory),
            new FileChange.Write(path, Encoding.UTF8.GetBytes(edited), mode, owner ?? (file.Exists ? file.Owner : null), Expected: file.Sha256),
        ];
    }

    private static string? OwnerFor(PlanStep step, Run run) =>
        step.Address is { IsAgentFile: true, Agent: { } id }
            ? run.Desired.Agents.List.First(a => a.Id == id).Owner
            : run.Desired.Server.Owner;

    private static async Task RestoreAsync(RestoreStep step, IHost host, CancellationToken ct)
    {
        // The hash is required: it is what ties the copy to the manifest, which a rollback has checked; without it a
        // swapped copy (or a link to another file) would be written as root to a managed path.
        var expected = step.Sha256;
        var copy = await host.ReadAsync(step.Copy, ct).ConfigureAwait(false);
        if (!copy.Exists) throw new StepFailedException($"the backup copy {step.Copy} is missing");
        if (copy.Sha256 != expected)
            throw new StepFailedException($"the backup copy {step.Copy} does not have the SHA-256 its manifest recorded; nothing restored from it");
        await host.EnsureDirectoryAsync(Path.GetDirectoryName(step.Path)!, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        // Copied on the host, which checks the SHA-256 again as it reads: a key it keeps never comes here.
        await host.CopyAsync(step.Copy, expected, step.Path, step.Mode, step.Owner, ct).ConfigureAwait(false);
    }

    /// <summary>What <paramref name="consumer"/> would load now, as its host last read or wrote its files (what it does not know it asks, in one round trip).</summary>
    private async Task<string> LoadingAsync(Consumer consumer, CancellationToken ct) =>
        consumer.Fingerprint(await hosts[consumer.Host].ReadKnownAsync(consumer.FilesToRead, exact: false, ct).ConfigureAwait(false));

    /// <summary>
    /// Runs the restart command, then records what its consumer loaded: its files as they were just before the command ran
    /// (every step that changes them comes earlier in the plan). Only once the command succeeded and the server accepts
    /// connections again, so that a crash or a failure anywhere before the record leaves the restart owed.
    /// </summary>
    private async Task RestartAsync(RestartStep step, IHost host, Run run, CancellationToken ct)
    {
        var consumer = Consumer.Of(run.Desired, step.Address);
        var loading = consumer is null ? null : await LoadingAsync(consumer, ct).ConfigureAwait(false);
        var result = await RunCommandAsync(step, step.Command, host, run, ct).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new StepFailedException($"'{step.Command}' exited with {result.ExitCode}: {result.StandardError.Trim()}");
        await WaitForServerAsync(step, run, ct).ConfigureAwait(false);
        if (consumer is not null && loading is not null) await run.Loaded.RecordAsync(consumer.Name, loading, clock.GetUtcNow(), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A step's command, bounded by its host's command_timeout. A command still running then was killed with everything
    /// it started; that fails the step, whose message says so, and the apply ends as after any failed step (lock released).
    /// </summary>
    private async Task<CommandResult> RunCommandAsync(PlanStep step, string command, IHost host, Run run, CancellationToken ct)
    {
        var timeout = run.Desired.Hosts.TryGetValue(step.Host, out var spec) ? spec.EffectiveCommandTimeout : HostSpec.DefaultCommandTimeout;
        var result = await host.RunAsync(command, timeout, ct).ConfigureAwait(false);
        Log.Restarted(logger, step.Address.ToString(), command, step.Host, result.ExitCode);
        if (result.TimedOut)
            throw new StepFailedException($"`{command}` did not finish within {Durations.FormatSeconds(timeout)}; its process group was killed " +
                $"(command_timeout of host {step.Host})");
        return result;
    }

    /// <summary>How long a server restart may take before the apply fails (server.database set only).</summary>
    public TimeSpan ServerStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// After restart[server], the apply goes on only once PostgreSQL accepts connections again: a restart
    /// command such as `systemctl restart` may return while the server is still starting, or about to fail
    /// on the new files; saying "done" then would be a lie.
    /// </summary>
    private async Task WaitForServerAsync(RestartStep step, Run run, CancellationToken ct)
    {
        if (step.Address != Addresses.ServerRestart || run.Desired.Server.Database is not { } database) return;
        try
        {
            // Real time, not the apply's clock: a pinned clock (PEMSTATE_NOW, tests) would never reach the deadline.
            await PemDatabase.WaitUntilAcceptingAsync(database, c => DatabaseTrustAsync(run, c), ServerStartTimeout, TimeProvider.System, ct).ConfigureAwait(false);
        }
        catch (PemDatabaseException e)
        {
            throw new StepFailedException($"'{step.Command}' ran, but {e.Message}", e);
        }
        Log.ServerAccepting(logger, database.ToString());
    }

    /// <summary>
    /// What server.database is verified against during the apply: root.crt and ca_certificate.crt as they are now (a
    /// CA rotation writes the new CA there before the restart makes the server present a certificate from it), and as
    /// they were observed (until that restart the server may still present a certificate from a CA root.crt dropped).
    /// </summary>
    private Task<ServerTrust> DatabaseTrustAsync(Run run, CancellationToken ct) =>
        DatabaseObserver.TrustAsync(run.Desired, hosts[run.Desired.Server.Host], DatabaseObserver.CasOf(run.Observed.Server), ct);

    private async Task CreateRoleAsync(PlanStep step, Run run, CancellationToken ct)
    {
        var name = (step.Address.Kind == ResourceKind.Role ? step.Address.Name : null) ?? throw new StepFailedException($"{step.Address} names no role");
        if (run.Desired.Server.Database is not { } spec)
            throw new StepFailedException($"{step.Address} needs server.database to reach the PEM database");
        try
        {
            await using var database = await PemDatabase.OpenAsync(spec, await DatabaseTrustAsync(run, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            foreach (var done in await database.EnsureAgentRoleAsync(name, ct).ConfigureAwait(false))
                Log.RoleChanged(logger, step.Address.ToString(), done);
        }
        catch (PemDatabaseException e)
        {
            throw new StepFailedException($"{step.Address} needs the PEM database, and {e.Message}", e);
        }
    }

    private static async Task WritePrivateAsync(IHost host, string path, string pem, string? owner, CancellationToken ct)
    {
        await host.EnsureDirectoryAsync(Path.GetDirectoryName(path)!, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(path, Encoding.ASCII.GetBytes(pem), FileModes.Private, owner, ct).ConfigureAwait(false);
    }
}
