using System.Text;
using System.Text.Json;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Execution;

/// <summary>
/// The apply journal: `.pemstate-journal.jsonl` in the server's data dir. A new apply replaces it
/// (atomically) with its header, then appends one line as each step starts and completes, flushed
/// to disk, so a kill -9 or a power loss at any point leaves a journal that says where it stopped.
/// </summary>
public sealed class Journal(IHost host, string path, string apply)
{
    public const string FileName = ".pemstate-journal.jsonl";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public string Apply { get; } = apply;

    public static string PathFor(ServerSpec server) => Path.Combine(server.DataDir, FileName);

    public Task BeginAsync(Plan plan, DateTimeOffset now, CancellationToken ct) =>
        host.WriteAtomicAsync(path, Line(new JournalEntry("apply", Apply, now, Steps: plan.Steps.Count,
            Restarts: plan.Steps.Where(s => s.Action == StepAction.Restart).Select(s => s.Address).ToList())), FileModes.Private, null, ct);

    public Task StepAsync(string @event, int number, PlanStep step, CancellationToken ct) =>
        AppendAsync(Line(new JournalEntry(@event, Apply, Step: number, Address: step.Address,
            Action: Rendering.PlanJsonRenderer.ActionName(step.Action), Host: step.Host)), ct);

    public Task EndAsync(string? error, CancellationToken ct) =>
        AppendAsync(Line(new JournalEntry(error is null ? "finished" : "failed", Apply, Error: error)), ct);

    /// <summary>Agents' lanes append at once; their lines share one append (one fsync) per batch, in the order they came.</summary>
    private Batcher<byte[], bool>? _appends;

    private Task AppendAsync(byte[] line, CancellationToken ct) =>
        LazyInitializer.EnsureInitialized(ref _appends, () => new Batcher<byte[], bool>(AppendLinesAsync)).AddAsync(line).WaitAsync(ct);

    private async Task<IReadOnlyList<bool>> AppendLinesAsync(IReadOnlyList<byte[]> lines)
    {
        await host.AppendAsync(path, lines.Count == 1 ? lines[0] : lines.SelectMany(l => l).ToArray(), FileModes.Private, CancellationToken.None).ConfigureAwait(false);
        return [.. lines.Select(_ => true)];
    }

    private static byte[] Line(JournalEntry entry) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");

    /// <summary>Reads a journal's text. A torn last line (the process died mid-write) is ignored.</summary>
    public static ObservedJournal? Read(string text)
    {
        var entries = new List<JournalEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                if (JsonSerializer.Deserialize<JournalEntry>(line, Json) is { } entry) entries.Add(entry);
            }
            catch (JsonException)
            {
                break;
            }
        }
        var header = entries.FirstOrDefault(e => e.Event == "apply");
        if (header is null) return null;

        var completed = entries.Where(e => e.Event == "completed").ToList();
        var done = completed.Select(e => e.Step ?? 0).Where(n => n > 0).Distinct().Order().ToList();
        var unfinished = entries.Where(e => e.Event == "started" && e.Step is { } n && !done.Contains(n))
            .Select(e => $"{e.Step} ({e.Address} {e.Action})").Distinct(StringComparer.Ordinal).ToList();
        var end = entries.LastOrDefault(e => e.Event is "finished" or "failed");

        var ranRestarts = completed.Where(e => e.Action == "restart").Select(e => e.Address!).ToHashSet(StringComparer.Ordinal);
        var changedScopes = completed
            .Where(e => e.Action is not ("backup" or "generate_key" or "issue" or "restart" or "test_config"))
            .Select(e => RestartFor(e.Address!))
            .ToHashSet(StringComparer.Ordinal);
        var pending = (header.Restarts ?? [])
            .Where(r => !ranRestarts.Contains(r) && changedScopes.Contains(r))
            .ToHashSet(StringComparer.Ordinal);

        return new ObservedJournal(header.Apply, header.Time, header.Steps ?? 0, end?.Event == "finished", done, unfinished, end?.Error, pending);
    }

    /// <summary>The restart a changed resource needs: its agent's, the web server's reload, or the server's for everything else.</summary>
    private static string RestartFor(string address) =>
        Addresses.AgentId(address) is { } id ? Addresses.AgentRestart(id)
        : address.StartsWith("web.", StringComparison.Ordinal) ? Addresses.WebRestart
        : Addresses.ServerRestart;
}
