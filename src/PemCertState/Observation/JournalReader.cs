using System.Globalization;
using System.Text;
using System.Text.Json;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Observation;

/// <summary>
/// Reads the apply journal (`journal.jsonl`, which Execution.Journal writes): where the last run stopped, which of its
/// steps completed, and the restarts it still owes. Read from a host, so untrusted: a line that does not parse ends it.
/// </summary>
public static class JournalReader
{
    /// <summary>The last run's journal in the state folder, or null when there is none (the rollback and backups verbs, which do not observe first).</summary>
    public static async Task<ObservedJournal?> LastAsync(IHost host, ServerSpec server, CancellationToken ct)
    {
        var file = await host.ReadAsync(StateFiles.Journal(server), FileLimits.State, ct).ConfigureAwait(false);
        return file.Exists ? Read(file.Content) : null;
    }

    /// <summary>Reads a journal's text. A torn last line (the process died mid-write) is ignored.</summary>
    public static ObservedJournal? Read(string text) => Read(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Reads a journal's bytes (UTF-8 JSON lines). A torn last line (the process died mid-write) is ignored, and so is
    /// everything after a line that does not parse.
    /// </summary>
    /// <remarks>
    /// A 10,000-agent apply leaves 100,000 lines, which every later plan reads. They are read in one pass that keeps
    /// step numbers and the few addresses the answer needs, not an object per line: only the header, the end and
    /// the lines of steps that started and never completed are read in full.
    /// </remarks>
    public static ObservedJournal? Read(ReadOnlySpan<byte> all)
    {
        JournalEntry? header = null, end = null;
        var done = new HashSet<int>();
        var started = new List<(int Step, int Start, int Length)>();
        var ranRestarts = new HashSet<string>(StringComparer.Ordinal);
        var changedAgents = new HashSet<int>();
        bool changedWeb = false, changedServer = false;
        for (var start = 0; start < all.Length;)
        {
            var newline = all[start..].IndexOf((byte)'\n');
            var length = newline < 0 ? all.Length - start : newline;
            var line = all.Slice(start, length);
            var lineStart = start;
            start += length + 1;
            if (line.IsEmpty) continue;
            try
            {
                var fields = Scan(line);
                switch (fields.Event)
                {
                    case "apply":
                        header ??= ParseLine(line);
                        break;
                    case "finished" or "failed" or "interrupted":
                        end = ParseLine(line);
                        break;
                    case "started" when fields.Step is { } n:
                        started.Add((n, lineStart, length));
                        break;
                    case "completed":
                        if (fields.Step is { } step && step > 0) done.Add(step);
                        var raw = line[fields.Address];
                        if (raw.IsEmpty) break;
                        // An action this pemstate does not know (a newer one's) counts as a change: that errs towards owing the restart.
                        StepAction? action = fields.Action is { } name && StepActionNames.TryParse(name, out var known) ? known : null;
                        if (action is StepAction.Restart or StepAction.Reload)
                            ranRestarts.Add(fields.Escaped ? ParseLine(line).Address! : Encoding.UTF8.GetString(raw));
                        else if (action is not { } kind || !ChangesNothingLoaded(kind))
                        {
                            // Addresses are ASCII as pemstate writes them; an escaped one is read the long way.
                            var address = fields.Escaped ? Encoding.UTF8.GetBytes(ParseLine(line).Address!) : raw;
                            if (AgentId(address) is { } id) changedAgents.Add(id);
                            else if (address.StartsWith("web."u8)) changedWeb = true;
                            else changedServer = true;
                        }
                        break;
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                break;
            }
        }
        if (header is null) return null;

        var unfinished = new List<string>();
        foreach (var (step, lineStart, length) in started)
        {
            if (done.Contains(step)) continue;
            var entry = ParseLine(all.Slice(lineStart, length));
            var description = $"{entry.Step} ({entry.Address} {entry.Action})";
            if (!unfinished.Contains(description, StringComparer.Ordinal)) unfinished.Add(description);
        }
        // The restart each completed change needs: its agent's, the web server's reload, or the server's for everything else.
        var changedScopes = changedAgents.Select(Addresses.AgentRestart).ToHashSet();
        if (changedWeb) changedScopes.Add(Addresses.WebRestart);
        if (changedServer) changedScopes.Add(Addresses.ServerRestart);
        var pending = (header.Restarts ?? []).Where(r => !ranRestarts.Contains(r))
            .Select(r => ResourceAddress.TryParse(r, out var address) ? address : (ResourceAddress?)null).OfType<ResourceAddress>()
            .Where(changedScopes.Contains)
            .ToHashSet();
        return new ObservedJournal(header.Apply, header.Time, header.Steps ?? 0, end?.Event == "finished", [.. done.Order()], unfinished, end?.Error, pending)
        {
            Interrupted = end?.Event == "interrupted",
            // Ids only: they name folders a rollback reads and writes.
            RollbackOf = header.Rollback is { } rollback && BackupManifestReader.IsBackupId(rollback) ? rollback : null,
            BackupId = header.Backup is { } backup && BackupManifestReader.IsBackupId(backup) ? backup : null,
        };
    }

    /// <summary>Actions that change no file or setting a server or agent loads: a completed one owes no restart.</summary>
    private static bool ChangesNothingLoaded(StepAction action) => action is StepAction.Backup or StepAction.GenerateKey or StepAction.Issue
        or StepAction.TestConfig or StepAction.MoveState or StepAction.RemoveLeftover;

    /// <summary>The agent of an agent file's address, read from its bytes (the journal of a large fleet is read without a string per line): 5 for "agent[5].certificate".</summary>
    private static int? AgentId(ReadOnlySpan<byte> address)
    {
        if (!address.StartsWith("agent["u8)) return null;
        var end = address.IndexOf((byte)']');
        var rest = end < 0 ? default : address[(end + 1)..];
        if (end <= 6 || !(rest.SequenceEqual(".certificate"u8) || rest.SequenceEqual(".settings"u8))) return null;
        // Digits only, no leading zero: the same text ResourceAddress writes and reads.
        var digits = address[6..end];
        return digits[0] != (byte)'0' && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }

    /// <summary>What <see cref="Read(ReadOnlySpan{byte})"/> needs of every line: its event, step, action and address.</summary>
    /// <param name="Address">Where the address's raw (still escaped, if <paramref name="Escaped"/>) bytes are in the line; empty when absent.</param>
    private readonly record struct Fields(string? Event, int? Step, string? Action, Range Address, bool Escaped);

    /// <summary>
    /// A line's <see cref="Fields"/>, without a string for anything else. Unknown fields are skipped; a line that is
    /// not one JSON object with a string "event" and "apply" throws, as a torn line does.
    /// </summary>
    private static Fields Scan(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a journal line is not an object");
        string? @event = null, action = null;
        var address = new Range(0, 0);
        var escaped = false;
        int? step = null;
        var hasApply = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null) continue;
            if (name.SequenceEqual("event"u8)) @event = Known(ref reader);
            else if (name.SequenceEqual("step"u8)) step = reader.GetInt32();
            else if (name.SequenceEqual("action"u8)) action = Known(ref reader);
            else if (name.SequenceEqual("address"u8))
            {
                if (reader.TokenType != JsonTokenType.String) throw new JsonException("address is not a string");
                var at = (int)reader.TokenStartIndex + 1; // past the opening quote
                address = new Range(at, at + reader.ValueSpan.Length);
                escaped = reader.ValueIsEscaped;
            }
            else if (name.SequenceEqual("apply"u8)) hasApply = reader.TokenType == JsonTokenType.String ? true : throw new JsonException("apply is not a string");
            // The rest only as checks, so that a line this accepts is one ParseLine reads too.
            else if (name.SequenceEqual("host"u8) || name.SequenceEqual("error"u8) || name.SequenceEqual("rollback"u8) || name.SequenceEqual("backup"u8))
                _ = reader.TokenType == JsonTokenType.String ? 0 : throw new JsonException("not a string");
            else if (name.SequenceEqual("steps"u8)) _ = reader.GetInt32();
            else if (name.SequenceEqual("time"u8)) _ = reader.GetDateTimeOffset();
            else if (name.SequenceEqual("restarts"u8))
            {
                if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("restarts is not an array");
                while (reader.Read() && reader.TokenType == JsonTokenType.String) { }
                if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("restarts holds something other than strings");
            }
            else reader.Skip();
        }
        if (reader.TokenType != JsonTokenType.EndObject || @event is null || !hasApply) throw new JsonException("a journal line is incomplete");
        if (reader.Read()) throw new JsonException("a journal line goes on after its object");
        return new Fields(@event, step, action, address, escaped);
    }

    /// <summary>One whole journal line: the header, the end, a step that started and never completed.</summary>
    private static JournalEntry ParseLine(ReadOnlySpan<byte> line) =>
        JsonSerializer.Deserialize(line, JournalJson.Default.JournalEntry) ?? throw new JsonException("a journal line is null");

    /// <summary>The event and action words a journal repeats on every line, without a new string for each.</summary>
    private static string? Known(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("expected a string");
        foreach (var (word, utf8) in Words)
            if (reader.ValueTextEquals(utf8)) return word;
        return reader.GetString();
    }

    // As UTF-8 too: ValueTextEquals(string) transcodes the word on every call.
    private static readonly (string Word, byte[] Utf8)[] Words =
        [.. new[] { "started", "completed", "apply", "finished", "failed", "interrupted" }.Concat(Enum.GetValues<StepAction>().Select(a => a.WireName()))
            .Select(w => (w, Encoding.UTF8.GetBytes(w)))];
}
