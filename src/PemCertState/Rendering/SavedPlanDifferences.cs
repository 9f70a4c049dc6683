using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using PemCertState.Planning;
using PemCertState.Inventory;

namespace PemCertState.Rendering;

/// <summary>
/// Compares the steps a saved plan promised with the steps a fresh plan would take: address, host, action, paths,
/// settings, commands and every other member the JSON plan carries. Reasons and before-summaries are for people (a
/// reason may say "in 25 days" today and "in 24 days" tomorrow); the files they describe are compared through the
/// saved plan's observed fingerprints instead.
/// </summary>
internal static class SavedPlanDifferences
{
    /// <summary>Members of a JSON step that say why or what is there now, not what the step does.</summary>
    private static readonly string[] ForPeopleOnly = ["reason", "before"];

    private const int LongestValue = 160;

    // Values come from a file anyone may have edited: control characters (a terminal escape) stay escaped on stderr.
    private static readonly JsonSerializerOptions Printable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = TextJson.Default };

    /// <summary>One line per step that differs, naming it and what differs; empty when the fresh plan keeps the promise.</summary>
    public static IReadOnlyList<string> Between(SavedPlan saved, Plan fresh)
    {
        var promised = saved.Steps.Select(Content).ToList();
        var now = fresh.Steps.Select(s => Content(PlanJsonRenderer.Step(s))).ToList();

        // Most edits touch a few steps: compare the equal head and tail cheaply, and match the middle by identity.
        var head = 0;
        while (head < promised.Count && head < now.Count && JsonNode.DeepEquals(promised[head], now[head])) head++;
        var tail = 0;
        while (tail < promised.Count - head && tail < now.Count - head
               && JsonNode.DeepEquals(promised[promised.Count - 1 - tail], now[now.Count - 1 - tail])) tail++;
        if (head == promised.Count && head == now.Count) return [];

        var fresher = new Dictionary<string, Queue<int>>(StringComparer.Ordinal);
        for (var j = head; j < now.Count - tail; j++)
        {
            if (!fresher.TryGetValue(Identity(now[j]), out var queue)) fresher[Identity(now[j])] = queue = new Queue<int>();
            queue.Enqueue(j);
        }
        var lines = new List<string>();
        var matched = new HashSet<int>();
        for (var i = head; i < promised.Count - tail; i++)
        {
            if (fresher.GetValueOrDefault(Identity(promised[i])) is { Count: > 0 } queue)
            {
                var j = queue.Dequeue();
                matched.Add(j);
                if (!JsonNode.DeepEquals(promised[i], now[j]))
                    lines.Add($"{Label(i, promised[i])}: {string.Join("; ", Members(promised[i], now[j]))}");
            }
            else lines.Add($"{Label(i, promised[i])}: in the plan file, not in a fresh plan");
        }
        for (var j = head; j < now.Count - tail; j++)
            if (!matched.Contains(j)) lines.Add($"{Label(j, now[j])}: in a fresh plan, missing from the plan file");
        if (lines.Count == 0)
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"steps {head + 1} to {promised.Count - tail}: the same steps in another order"));
        return lines;
    }

    private static JsonObject Content(JsonObject step)
    {
        var copy = (JsonObject)step.DeepClone();
        foreach (var name in ForPeopleOnly) copy.Remove(name);
        return copy;
    }

    private static string Identity(JsonObject step) => $"{Print(step["address"])}|{Print(step["host"])}|{Print(step["action"])}";

    private static string Label(int index, JsonObject step) =>
        string.Create(CultureInfo.InvariantCulture, $"step {index + 1}, {Print(step["address"])} ({Print(step["action"])}) on {Print(step["host"])}");

    private static IEnumerable<string> Members(JsonObject promised, JsonObject now) =>
        promised.Select(p => p.Key).Union(now.Select(p => p.Key)).Order(StringComparer.Ordinal)
            .Where(name => !JsonNode.DeepEquals(promised[name], now[name]))
            .Select(name => $"{Print(name)}: the plan file has {Value(promised, name)}, a fresh plan has {Value(now, name)}");

    private static string Value(JsonObject step, string name) => step.ContainsKey(name) ? Shorten(step[name]?.ToJsonString(Printable) ?? "null") : "nothing";

    /// <summary>A string as it reads (escaped where it holds control characters), anything else as JSON.</summary>
    private static string Print(JsonNode? node) => Shorten(node is JsonValue v && v.GetValueKind() == JsonValueKind.String
        ? Print(v.GetValue<string>())
        : node?.ToJsonString(Printable) ?? "(none)");

    private static string Print(string text) => text.Any(char.IsControl) ? JsonSerializer.Serialize(text, (JsonTypeInfo<string>)Printable.GetTypeInfo(typeof(string))) : text;

    private static string Shorten(string text) => text.Length <= LongestValue ? text : text[..LongestValue] + "…";
}
