using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace PemCertState.Inventory;

/// <summary>
/// The embedded schemas/pemstate.schema.json, and its errors turned into sentences at YAML positions.
/// The schema is the single source of the inventory's structure: the loader never re-checks types or keys itself.
/// </summary>
internal static class InventorySchema
{
    private static readonly Lazy<(JsonSchema Schema, JsonNode Document)> _schema = new(BuildSchema);

    /// <summary>Builds the schema now, if no thread has (<see cref="SchemaEvaluation.Prepare"/> calls it on another core).</summary>
    internal static void Build() => _ = _schema.Value;

    private static (JsonSchema, JsonNode) BuildSchema()
    {
        using var stream = typeof(InventorySchema).Assembly.GetManifestResourceStream("pemstate.schema.json")
            ?? throw new InvalidOperationException("pemstate.schema.json is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        return (JsonSchema.FromText(text, options), JsonNode.Parse(text)!);
    }

    public static IEnumerable<(int Line, int Column, string Message)> Validate(JsonNode? instance, SourceMap map)
        => Explain(Evaluate(SchemaEvaluation.ToElement(instance)), instance, map);

    /// <summary>
    /// The evaluation alone, on an immutable <see cref="JsonElement"/>: safe to run on another thread while
    /// the rules read the <see cref="JsonNode"/> tree (the loader does, a 10,000-agent inventory spent 0.6 s here).
    /// </summary>
    public static EvaluationResults Evaluate(JsonElement element)
        => _schema.Value.Schema.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.List });

    /// <summary>The failures of <paramref name="results"/> as sentences at YAML positions; nothing when valid.</summary>
    public static IEnumerable<(int Line, int Column, string Message)> Explain(EvaluationResults results, JsonNode? instance, SourceMap map)
    {
        if (results.IsValid)
            yield break;

        var failed = (results.Details ?? [])
            .Where(d => !d.IsValid && !UnderIf(d.EvaluationPath.ToString()))
            .ToList();
        var failedPaths = failed.Select(d => d.EvaluationPath.ToString()).ToList();
        foreach (var detail in failed)
        {
            var evaluationPath = detail.EvaluationPath.ToString();
            var at = detail.InstanceLocation.ToString();
            var subschema = SchemaAt(evaluationPath);
            if (detail.Errors is { Count: > 0 } errors)
            {
                foreach (var (keyword, message) in errors)
                    foreach (var diagnostic in Explain(keyword, message, evaluationPath, at, subschema, instance, map))
                        yield return diagnostic;
            }
            else if (!failedPaths.Any(p => p.Length > evaluationPath.Length && p.StartsWith(evaluationPath + "/", StringComparison.Ordinal)))
            {
                var reason = subschema?["description"]?.GetValue<string>() ?? "is not allowed here";
                var (line, column) = map.KeyAt(at);
                yield return (line, column, Prefix(map, at) + reason);
            }
        }
    }

    private static bool UnderIf(string evaluationPath) =>
        evaluationPath.EndsWith("/if", StringComparison.Ordinal) || evaluationPath.Contains("/if/", StringComparison.Ordinal);

    private static IEnumerable<(int, int, string)> Explain(
        string keyword, string libraryMessage, string evaluationPath, string at, JsonNode? subschema, JsonNode? instance, SourceMap map)
    {
        var value = NodeAt(instance, at);
        var (line, column) = map.ValueAt(at);
        var prefix = Prefix(map, at);
        switch (keyword)
        {
            case "" when evaluationPath.EndsWith("/additionalProperties", StringComparison.Ordinal):
            {
                var parent = map.Describe(JsonPointers.Parent(at));
                var (keyLine, keyColumn) = map.KeyAt(at);
                var typed = JsonPointers.Last(at);
                var known = SchemaAt(evaluationPath[..^"/additionalProperties".Length])?["properties"] is JsonObject properties
                    ? properties.Select(p => p.Key) : [];
                var suggestion = NameSuggestions.Closest(typed, known) is { } closest ? $"; did you mean '{closest}'?" : "";
                yield return (keyLine, keyColumn, $"unknown key '{InventoryBounds.Excerpt(typed)}' {(parent.Length == 0 ? "at the top level" : "in " + parent)}{suggestion}");
                break;
            }
            case "":
            {
                var (keyLine, keyColumn) = map.KeyAt(at);
                yield return (keyLine, keyColumn, prefix + "is not allowed here");
                break;
            }
            case "type":
            {
                var expected = subschema?["type"] switch
                {
                    JsonArray types => string.Join(" or ", types.Select(t => TypeName(t!.GetValue<string>()))),
                    JsonValue type => TypeName(type.GetValue<string>()),
                    _ => "another type",
                };
                var hint = expected.StartsWith("a string", StringComparison.Ordinal) && value is JsonValue && value.GetValueKind() != JsonValueKind.String
                    ? $" (quote it, \"{value.ToJsonString()}\", if you meant the text)"
                    : "";
                yield return (line, column, $"{prefix}expected {expected}, got {Show(value)}{hint}");
                break;
            }
            case "enum":
            {
                var allowed = subschema?["enum"] is JsonArray options ? string.Join(", ", options.Select(o => o?.ToString())) : "?";
                yield return (line, column, $"{prefix}{Show(value)} is not one of: {allowed}");
                break;
            }
            case "const":
                yield return (line, column, $"{prefix}must be {subschema?["const"]?.ToJsonString()}, got {Show(value)}");
                break;
            case "minimum":
                yield return (line, column, $"{prefix}{Show(value)} is below the minimum {subschema?["minimum"]?.ToJsonString()}");
                break;
            case "maximum":
                yield return (line, column, $"{prefix}{Show(value)} is above the maximum {subschema?["maximum"]?.ToJsonString()}");
                break;
            case "minLength":
                yield return (line, column, $"{prefix}must not be empty");
                break;
            case "maxLength" when IsTextBound(subschema) && value is JsonValue text && text.GetValueKind() == JsonValueKind.String:
                // The rules bound every string in bytes with this very message; the identical text lets the loader show it once.
                if (InventoryBounds.TextTooLong(Prefix(map, at).TrimEnd(' ', ':'), text.GetValue<string>()) is { } tooLong)
                    yield return (line, column, tooLong);
                break;
            case "maxLength":
                yield return (line, column, $"{prefix}is {(value is JsonValue longText ? longText.GetValue<string>().Length : 0).ToString(CultureInfo.InvariantCulture)} characters long; at most {subschema?["maxLength"]?.ToJsonString()}");
                break;
            case "minProperties":
                yield return (line, column, $"{prefix}must have at least {subschema?["minProperties"]?.ToJsonString()} entry");
                break;
            case "pattern" when evaluationPath.EndsWith("/propertyNames", StringComparison.Ordinal):
            {
                var (keyLine, keyColumn) = map.KeyAt(at);
                var expected = subschema?["description"]?.GetValue<string>() ?? $"a name matching {subschema?["pattern"]}";
                yield return (keyLine, keyColumn, $"{Prefix(map, JsonPointers.Parent(at))}'{JsonPointers.Last(at)}' is not a valid name: expected {expected}");
                break;
            }
            case "pattern":
            {
                var expected = subschema?["description"]?.GetValue<string>() ?? $"text matching {subschema?["pattern"]}";
                yield return (line, column, $"{prefix}expected {expected}, got {Show(value)}");
                break;
            }
            case "required":
            {
                var present = value as JsonObject;
                var missing = subschema?["required"] is JsonArray required
                    ? required.Select(r => r!.GetValue<string>()).Where(r => present?.ContainsKey(r) != true).ToList()
                    : [];
                var (keyLine, keyColumn) = map.KeyAt(at);
                if (missing.Count == 0)
                    yield return (keyLine, keyColumn, prefix + libraryMessage);
                foreach (var name in missing)
                    yield return (keyLine, keyColumn, $"{prefix}missing required key '{name}'");
                break;
            }
            default:
                yield return (line, column, $"{prefix}{libraryMessage}");
                break;
        }
    }

    private static bool IsTextBound(JsonNode? subschema) =>
        subschema?["maxLength"] is JsonValue bound && bound.TryGetValue<int>(out var maximum) && maximum == InventoryBounds.MaximumTextBytes;

    private static string Prefix(SourceMap map, string at)
    {
        var path = map.Describe(at);
        return path.Length == 0 ? "" : path + ": ";
    }

    private static string TypeName(string type) => type switch
    {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "true or false",
        "object" => "a mapping",
        "array" => "a list",
        "null" => "nothing (null)",
        _ => type,
    };

    private static string Show(JsonNode? value) => value switch
    {
        null => "nothing (null)",
        JsonObject => "a mapping",
        JsonArray => "a list",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"'{InventoryBounds.Excerpt(v.GetValue<string>())}'",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
        JsonValue v when v.TryGetValue<long>(out var integer) => integer.ToString(CultureInfo.InvariantCulture),
        _ => value.ToJsonString(),
    };

    internal static JsonNode? NodeAt(JsonNode? root, string pointer)
    {
        var node = root;
        foreach (var segment in JsonPointers.Segments(pointer))
        {
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }
        return node;
    }

    /// <summary>
    /// Follows an evaluation path through the schema document, resolving local $refs. Segments the
    /// document does not have (JsonSchema.Net repeats "items") are skipped.
    /// </summary>
    private static JsonNode? SchemaAt(string evaluationPath)
    {
        var document = _schema.Value.Document;
        var node = document;
        foreach (var segment in JsonPointers.Segments(evaluationPath))
        {
            if (segment == "$ref" && node?["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith('#'))
                node = NodeAt(document, reference[1..]);
            else if (node is JsonObject o && o.TryGetPropertyValue(segment, out var child))
                node = child;
            else if (node is JsonArray a && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count)
                node = a[i];
        }
        return node;
    }
}
