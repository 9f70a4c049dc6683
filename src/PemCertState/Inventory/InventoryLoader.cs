namespace PemCertState.Inventory;

/// <summary>Reads pemstate.yaml, validates it against schemas/pemstate.schema.json and the rules, and resolves defaults.</summary>
internal static class InventoryLoader
{
    /// <summary>
    /// Loads the file at <paramref name="path"/>. A missing, unreadable or too large file is a diagnostic at 1:1; a
    /// byte that is not UTF-8 one at its line and column.
    /// </summary>
    public static InventoryResult Load(string path)
    {
        SchemaEvaluation.Prepare();
        var (yaml, error) = InventoryFile.Read(path);
        if (yaml is null)
        {
            var (line, column, message) = error!.Value;
            return new InventoryResult(null, [new Diagnostic(path, line, column, message)]);
        }
        return Parse(yaml, path);
    }

    /// <summary>Parses <paramref name="yaml"/> as if read from <paramref name="path"/> (relative paths resolve against its folder).</summary>
    public static InventoryResult Parse(string yaml, string path)
    {
        // The same bound as Load, for text that did not come from a file.
        if (yaml.Length > InventoryBounds.MaximumFileBytes / 3 && System.Text.Encoding.UTF8.GetByteCount(yaml) is var bytes && bytes > InventoryBounds.MaximumFileBytes)
            return new InventoryResult(null, [new Diagnostic(path, 1, 1,
                $"the inventory is {bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)} bytes; at most {InventoryBounds.MaximumFileBytes} bytes (1 MiB) are read")]);
        var parsed = YamlToJson.Convert(yaml);
        var found = new List<(int Line, int Column, string Message)>(parsed.Errors);
        DesiredState? state = null;
        if (parsed.Errors.Count == 0)
        {
            // The schema and the rules are independent readers of the same document: the schema runs on an
            // immutable copy on another core while the rules resolve the defaults here. Every error of both is
            // reported, in file order, as before.
            var evaluation = new SchemaEvaluation(SchemaEvaluation.ToElement(parsed.Root));
            var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
            var rules = new InventoryRules(parsed.Root, parsed.Map, folder);
            state = rules.Resolve(path);
            found.AddRange(evaluation.Explain(parsed.Root, parsed.Map));
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
