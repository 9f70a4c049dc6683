using System.Globalization;
using System.Text;
using System.Text.Json;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.State;

namespace PemCertState.Execution;

/// <summary>
/// The apply journal: `journal.jsonl` in the server's state_dir. A new apply replaces it
/// (atomically) with its header, then appends one line as each step starts and completes, flushed
/// to disk, so a kill -9 or a power loss at any point leaves a journal that says where it stopped.
/// </summary>
internal sealed class Journal(IHost host, string path, string apply)
{
    public const string FileName = State.StateFiles.JournalName;

    /// <summary>Where a pemstate from before state_dir kept it: in data_dir. Read when the state folder has none, then moved.</summary>
    public const string LegacyFileName = State.StateFiles.LegacyJournalName;

    public string Apply { get; } = apply;

    public static string PathFor(ServerSpec server) => State.StateFiles.Journal(server);

    public static string LegacyPathFor(ServerSpec server) => State.StateFiles.LegacyJournal(server);

    /// <param name="backupId">The id of the backup sets the run writes, when it writes any: a rollback that is rerun after
    /// a crash completes its set rather than begin another.</param>
    public async Task BeginAsync(Plan plan, DateTimeOffset now, string? backupId, CancellationToken ct)
    {
        // The state folder: made 0700 by the apply lock already; here too for an executor run without one.
        await host.EnsureDirectoryAsync(Path.GetDirectoryName(path)!, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(path, Line(new JournalEntry("apply", Apply, now, Steps: plan.Steps.Count,
            Restarts: plan.Steps.Where(s => s.Action is StepAction.Restart or StepAction.Reload).Select(s => s.Address.ToString()).ToList(),
            Rollback: plan.RollbackOf, Backup: backupId)), FileModes.Private, null, ct).ConfigureAwait(false);
    }

    public Task StepAsync(string @event, int number, PlanStep step, CancellationToken ct) =>
        AppendAsync(Line(new JournalEntry(@event, Apply, Step: number, Address: step.Address.ToString(),
            Action: step.Action.WireName(), Host: step.Host)), ct);

    public Task EndAsync(string? error, CancellationToken ct) =>
        AppendAsync(Line(new JournalEntry(error is null ? "finished" : "failed", Apply, Error: error)), ct);

    /// <summary>The run was stopped on request (Ctrl-C, SIGTERM); <paramref name="why"/> says where.</summary>
    public Task InterruptedAsync(string why, CancellationToken ct) =>
        AppendAsync(Line(new JournalEntry("interrupted", Apply, Error: why)), ct);

    /// <summary>Agents' lanes append at once; their lines share one append (one fsync) per batch, in the order they came.</summary>
    private Batcher<byte[], bool>? _appends;

    private Task AppendAsync(byte[] line, CancellationToken ct) =>
        LazyInitializer.EnsureInitialized(ref _appends, () => new Batcher<byte[], bool>(AppendLinesAsync)).AddAsync(line).WaitAsync(ct);

    private async Task<IReadOnlyList<bool>> AppendLinesAsync(IReadOnlyList<byte[]> lines)
    {
        await host.AppendAsync(path, lines.Count == 1 ? lines[0] : lines.SelectMany(l => l).ToArray(), FileModes.Private, CancellationToken.None).ConfigureAwait(false);
        return [.. lines.Select(_ => true)];
    }

    private static byte[] Line(JournalEntry entry) => [.. JsonSerializer.SerializeToUtf8Bytes(entry, JournalJson.Default.JournalEntry), (byte)'\n'];
}
