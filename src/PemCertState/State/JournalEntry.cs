using System.Text.Json.Serialization;

namespace PemCertState.State;

/// <summary>
/// One line of the apply journal (JSON lines in the server's data dir). Written before and after
/// every step so that the next run knows where a killed apply stopped, and which restarts it owed.
/// </summary>
/// <param name="Event">apply | started | completed | finished | failed | interrupted (stopped on request; Error says where).</param>
/// <param name="Rollback">Header of a rollback: the backup id it restores. A rerun after a crash finishes that rollback.</param>
/// <param name="Backup">Header: the id of the backup sets the run writes (null when it backs nothing up).</param>
internal sealed record JournalEntry(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("apply")] string Apply,
    [property: JsonPropertyName("time")] DateTimeOffset? Time = null,
    [property: JsonPropertyName("step")] int? Step = null,
    [property: JsonPropertyName("steps")] int? Steps = null,
    [property: JsonPropertyName("address")] string? Address = null,
    [property: JsonPropertyName("action")] string? Action = null,
    [property: JsonPropertyName("host")] string? Host = null,
    [property: JsonPropertyName("restarts")] IReadOnlyList<string>? Restarts = null,
    [property: JsonPropertyName("error")] string? Error = null,
    [property: JsonPropertyName("rollback")] string? Rollback = null,
    [property: JsonPropertyName("backup")] string? Backup = null);

/// <summary>
/// Compiled (de)serialisation of journal lines: a 10,000-agent apply leaves 100,000 of them, which every later plan
/// reads; reflection-based System.Text.Json took most of a second over them in a fresh process.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournalEntry))]
internal sealed partial class JournalJson : JsonSerializerContext;
