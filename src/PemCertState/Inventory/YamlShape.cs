using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace PemCertState.Inventory;

/// <summary>
/// Checks the inventory's shape on YAML's event stream, before any tree is built: nesting depth and the number of
/// values once every alias is expanded. The event parser keeps its own stack, so 50,000 nested '[' cost nothing
/// here, while YamlDotNet's node model (and the walk over it) recurses once per level and expands every alias.
/// </summary>
internal static class YamlShape
{
    /// <summary>The first bound the text exceeds, at the event that exceeds it; null when within every bound or not YAML (the loader's parse reports that).</summary>
    public static (int Line, int Column, string Message)? Check(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        // Per open collection: the values under it so far, counting each alias as the values of its anchor.
        var open = new Stack<(long Values, string? Anchor)>();
        var anchored = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                switch (current)
                {
                    case DocumentStart:
                        anchored.Clear(); // anchors are per document
                        break;
                    case MappingStart or SequenceStart:
                        if (open.Count >= InventoryBounds.MaximumDepth)
                            return At(current, $"the inventory is nested more than {InventoryBounds.MaximumDepth} levels deep");
                        if (++total > InventoryBounds.MaximumValues)
                            return At(current, TooMany);
                        open.Push((1, Anchor((NodeEvent)current)));
                        break;
                    case Scalar scalar:
                        if (++total > InventoryBounds.MaximumValues)
                            return At(current, TooMany);
                        if (Anchor(scalar) is { } name) anchored[name] = 1;
                        Add(1);
                        break;
                    case AnchorAlias alias:
                        var values = anchored.GetValueOrDefault(alias.Value.Value, 1);
                        total += values;
                        if (total > InventoryBounds.MaximumValues)
                            return At(current,
                                $"the alias *{InventoryBounds.Excerpt(alias.Value.Value, 40)} takes the inventory past {InventoryBounds.MaximumValues} values " +
                                $"(it repeats the {values.ToString(CultureInfo.InvariantCulture)} values under its anchor, and aliases of aliases multiply); write the values out or alias smaller parts");
                        Add(values);
                        break;
                    case MappingEnd or SequenceEnd:
                        var (count, anchor) = open.Pop();
                        if (anchor is not null) anchored[anchor] = count;
                        Add(count);
                        break;
                }
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            return null; // a syntax error: the node model's parse reports it with its position
        }
        return null;

        void Add(long values)
        {
            if (open.Count > 0)
            {
                var (count, anchor) = open.Pop();
                open.Push((count + values, anchor));
            }
        }
    }

    private static string TooMany => $"the inventory has more than {InventoryBounds.MaximumValues} values";

    private static string? Anchor(NodeEvent node) => node.Anchor.IsEmpty ? null : node.Anchor.Value;

    private static (int, int, string) At(ParsingEvent current, string message) =>
        ((int)current.Start.Line, (int)current.Start.Column, message);
}
