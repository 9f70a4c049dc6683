using System.Text.Json;
using System.Text.Json.Nodes;

namespace PemCertState.Rendering;

/// <summary>
/// Reads a saved plan (the JSON of <see cref="PlanJsonRenderer"/> with its saved context). The file is untrusted
/// input (anyone who could write it may have edited it), so its steps stay JSON: `apply PLAN` compares them with a
/// fresh plan and executes the fresh one.
/// </summary>
public static class PlanJsonReader
{
    /// <exception cref="FormatException">The file is not a pemstate plan of a format this version reads.</exception>
    public static SavedPlan Read(string json)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new FormatException($"not a JSON plan: {e.Message}", e); }
        if (root is not JsonObject plan || Text(plan["format_version"]) != PlanJsonRenderer.FormatVersion)
            throw new FormatException($"not a pemstate plan of format {PlanJsonRenderer.FormatVersion}");
        if (plan["observed"] is not JsonObject observed || Text(plan["inventory_sha256"]) is not { } inventorySha256)
            throw new FormatException("the plan was printed, not saved: make it with `pemstate plan --out FILE`");

        var facts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in observed)
            facts[key] = Text(value) ?? throw new FormatException($"observed[{JsonSerializer.Serialize(key)}] is not a string");
        if (plan["steps"] is not JsonArray array) throw new FormatException("the plan has no steps array");
        var steps = new List<JsonObject>(array.Count);
        foreach (var step in array)
            steps.Add(step as JsonObject ?? throw new FormatException($"step {steps.Count + 1} is not an object"));
        return new SavedPlan(new SavedPlanContext(Text(plan["inventory"]) ?? "", inventorySha256, facts), steps);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
