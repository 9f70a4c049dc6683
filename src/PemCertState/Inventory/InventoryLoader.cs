using System.Text.Json;

namespace PemCertState.Inventory;

/// <summary>Reads pemstate.yaml, validates it against schemas/pemstate.schema.json and the rules, and resolves defaults.</summary>
public static class InventoryLoader
{
    /// <summary>Loads the file at <paramref name="path"/>. A missing or unreadable file is a diagnostic at 1:1.</summary>
    public static InventoryResult Load(string path)
    {
        string yaml;
        try
        {
            yaml = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new InventoryResult(null, [new Diagnostic(path, 1, 1, $"cannot read the inventory: {e.Message}")]);
        }
        return Parse(yaml, path);
    }

    /// <summary>Parses <paramref name="yaml"/> as if read from <paramref name="path"/> (relative paths resolve against its folder).</summary>
    public static InventoryResult Parse(string yaml, string path)
    {
        var parsed = YamlToJson.Convert(yaml);
        var found = new List<(int Line, int Column, string Message)>(parsed.Errors);
        DesiredState? state = null;
        if (parsed.Errors.Count == 0)
        {
            // The schema and the rules are independent readers of the same document: the schema runs on an
            // immutable copy on another core while the rules resolve the defaults here. Every error of both is
            // reported, in file order, as before.
            var element = JsonSerializer.SerializeToElement(parsed.Root);
            var evaluation = Task.Run(() => InventorySchema.Evaluate(element));
            var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
            var rules = new InventoryRules(parsed.Root, parsed.Map, folder);
            state = rules.Resolve(path);
            found.AddRange(InventorySchema.Explain(evaluation.GetAwaiter().GetResult(), parsed.Root, parsed.Map));
            found.AddRange(rules.Errors);
        }

        var diagnostics = found
            .Distinct()
            .OrderBy(d => d.Line)
            .ThenBy(d => d.Column)
            .Select(d => new Diagnostic(path, d.Line, d.Column, d.Message))
            .ToList();
        return new InventoryResult(diagnostics.Count == 0 ? state : null, diagnostics);
    }
}
