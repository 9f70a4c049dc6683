namespace PemCertState.Inventory;

/// <summary>Where each node of the inventory sits in its file, keyed by JSON pointer ("" is the root).</summary>
internal sealed class SourceMap
{
    private readonly Dictionary<string, (int Line, int Column)> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Line, int Column)> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lists = new(StringComparer.Ordinal);

    public void AddValue(string pointer, int line, int column) => _values[pointer] = (line, column);

    public void AddKey(string pointer, int line, int column) => _keys[pointer] = (line, column);

    public void MarkList(string pointer) => _lists.Add(pointer);

    /// <summary>The value's position; for a missing node, the nearest ancestor that exists.</summary>
    public (int Line, int Column) ValueAt(string pointer)
    {
        for (var p = pointer; ; p = JsonPointers.Parent(p))
        {
            if (_values.TryGetValue(p, out var mark))
                return mark;
            if (p.Length == 0)
                return (1, 1);
        }
    }

    /// <summary>The position of the key naming the node (for a list item or the root, the value's position).</summary>
    public (int Line, int Column) KeyAt(string pointer) =>
        _keys.TryGetValue(pointer, out var mark) ? mark : ValueAt(pointer);

    /// <summary>"agents.list[1].id" for "/agents/list/1/id": the path a person reads in a message.</summary>
    public string Describe(string pointer)
    {
        var text = new System.Text.StringBuilder();
        var current = "";
        foreach (var segment in JsonPointers.Segments(pointer))
        {
            if (_lists.Contains(current))
                text.Append('[').Append(segment).Append(']');
            else
                text.Append(text.Length == 0 ? "" : ".").Append(segment);
            current = JsonPointers.Append(current, segment);
        }
        return text.ToString();
    }
}
