using System.Text.Json;
using System.Text.Json.Nodes;
using PemCertState.Planning;
using PemCertState.Inventory;

namespace PemCertState.Rendering;

/// <summary>
/// Reads a saved plan (the JSON of <see cref="PlanJsonRenderer"/> with its saved context). The file is untrusted
/// input (anyone who could write it may have edited it), so its steps stay JSON: `apply PLAN` compares them with a
/// fresh plan and executes the fresh one.
/// </summary>
internal static class PlanJsonReader
{
    /// <summary>64 MiB: a 10,000-agent plan is about 10 MB. Beyond it the file is refused unread, not parsed into memory.</summary>
    public const int MaximumBytes = 64 * 1024 * 1024;

    /// <summary>Nesting of the JSON; a saved plan nests 6 deep, and System.Text.Json's own default is this too.</summary>
    public const int MaximumDepth = 64;

    /// <summary>Reads the plan file at <paramref name="path"/> within <see cref="MaximumBytes"/>.</summary>
    /// <exception cref="FormatException">Too large, not UTF-8 JSON, or not a pemstate plan.</exception>
    public static async Task<SavedPlan> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var bytes = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        // Counts what is read rather than trusting the reported length, which a FIFO or /proc file does not give.
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (bytes.Length + read > MaximumBytes)
                throw new FormatException($"the plan is larger than {MaximumBytes} bytes (64 MiB); a pemstate plan is far smaller, so this is not one");
            bytes.Write(chunk, 0, read);
        }
        return Read(bytes.GetBuffer().AsSpan(0, (int)bytes.Length));
    }

    /// <exception cref="FormatException">The file is not a pemstate plan of a format this version reads.</exception>
    public static SavedPlan Read(string json) => Read(System.Text.Encoding.UTF8.GetBytes(json));

    /// <exception cref="FormatException">The bytes are not UTF-8 JSON of a pemstate plan of a format this version reads.</exception>
    public static SavedPlan Read(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > MaximumBytes)
            throw new FormatException($"the plan is larger than {MaximumBytes} bytes (64 MiB); a pemstate plan is far smaller, so this is not one");
        JsonNode? root;
        // The reader rejects invalid UTF-8 and nesting beyond MaximumDepth with the line and byte of the fault.
        try { root = JsonNode.Parse(utf8Json, documentOptions: new JsonDocumentOptions { MaxDepth = MaximumDepth }); }
        catch (JsonException e) { throw new FormatException($"not a JSON plan: {e.Message}", e); }
        if (root is not JsonObject plan || Text(plan["format_version"]) != PlanJsonRenderer.FormatVersion)
            throw new FormatException($"not a pemstate plan of format {PlanJsonRenderer.FormatVersion}");
        if (plan["observed"] is not JsonObject observed || Text(plan["inventory_sha256"]) is not { } inventorySha256)
            throw new FormatException("the plan was printed, not saved: make it with `pemstate plan --out FILE`");

        var facts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in observed)
            facts[key] = Text(value) ?? throw new FormatException($"observed[{JsonText.Quote(key)}] is not a string");
        if (plan["steps"] is not JsonArray array) throw new FormatException("the plan has no steps array");
        var steps = new List<JsonObject>(array.Count);
        foreach (var step in array)
        {
            var json = step as JsonObject ?? throw new FormatException($"step {steps.Count + 1} is not an object");
            // The names the JSON writer uses, from the one table: a step no version of pemstate writes is refused here, named.
            if (Text(json["action"]) is not { } action || !StepActionNames.TryParse(action, out _))
                throw new FormatException($"step {steps.Count + 1} has action {Shown(json["action"])}, which is no pemstate action");
            steps.Add(json);
        }
        return new SavedPlan(new SavedPlanContext(Text(plan["inventory"]) ?? "", inventorySha256, facts), steps);
    }

    /// <summary>A value from the file for an error message: JSON-escaped (no terminal escape gets through) and cut short.</summary>
    private static string Shown(JsonNode? node) => node?.ToJsonString() is { } json ? (json.Length <= 80 ? json : json[..80] + "…") : "(none)";

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
