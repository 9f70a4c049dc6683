using System.Text.RegularExpressions;

namespace PemCertState.Configuration;

/// <summary>
/// Reads and edits a PEM agent's agent.cfg (INI, settings under [PEM/agent]). Only the lines of the
/// settings being set change; comments, unknown keys and other sections stay byte for byte.
/// </summary>
internal static partial class AgentCfg
{
    public const string Section = "PEM/agent";

    [GeneratedRegex(@"^\s*\[(?<name>[^\]]*)\]\s*$")]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^(?<indent>\s*)(?<key>[A-Za-z_][A-Za-z0-9_.-]*)(?<sep>\s*=\s*)(?<value>.*?)(?<trail>\s*)$")]
    private static partial Regex KeyLine();

    /// <summary>Values of <paramref name="keys"/> in the [PEM/agent] section (or anywhere, in a file without sections).</summary>
    public static IReadOnlyDictionary<string, string?> Read(string text, IEnumerable<string> keys)
    {
        var result = keys.ToDictionary(k => k, _ => (string?)null, StringComparer.Ordinal);
        var lines = TextLines.Split(text);
        var (first, last) = SectionRange(lines);
        for (var i = first; i < last; i++)
        {
            var match = KeyLine().Match(TextLines.Cut(lines[i]).Body);
            if (match.Success && result.ContainsKey(match.Groups["key"].Value))
                result[match.Groups["key"].Value] = match.Groups["value"].Value;
        }
        return result;
    }

    /// <exception cref="ArgumentException">A key or value holds a control character: the inventory loader refuses those, so
    /// reaching here with one is a bug, and writing it would add a line of someone else's choosing to agent.cfg.</exception>
    public static string Edit(string text, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (key, value) in settings)
            if (Inventory.ControlCharacters.Find(key + value) is { } found)
                throw new ArgumentException($"agent.cfg setting {Printable(key)} {found} (key and value together); refusing to write it", nameof(settings));
        var lines = TextLines.Split(text);
        var ending = TextLines.EndingOf(text);
        if (lines.Count > 0 && !lines[^1].EndsWith('\n')) lines[^1] += ending;
        var (first, last) = SectionRange(lines);
        if (first < 0 || lines.Count == 0)
        {
            lines.Add($"[{Section}]{ending}");
            first = last = lines.Count;
        }
        foreach (var (key, value) in settings)
        {
            var index = -1;
            var lastKeyLine = first - 1;
            for (var i = first; i < last; i++)
            {
                var match = KeyLine().Match(TextLines.Cut(lines[i]).Body);
                if (!match.Success) continue;
                lastKeyLine = i;
                if (match.Groups["key"].Value == key) index = i;
            }
            if (index >= 0)
            {
                var (body, lineEnding) = TextLines.Cut(lines[index]);
                var m = KeyLine().Match(body);
                lines[index] = m.Groups["indent"].Value + key + m.Groups["sep"].Value + value + m.Groups["trail"].Value + lineEnding;
            }
            else
            {
                lines.Insert(lastKeyLine + 1, $"{key}={value}{ending}");
                last++;
            }
        }
        return string.Concat(lines);
    }

    private static string Printable(string text) => string.Concat(text.Select(c => Inventory.ControlCharacters.IsControl(c) ? '?' : c));

    /// <summary>Lines [first, last) of the [PEM/agent] section; the whole file when it has no section at all; (-1, -1) when only other sections exist.</summary>
    private static (int First, int Last) SectionRange(List<string> lines)
    {
        var start = -1;
        var anySection = false;
        for (var i = 0; i < lines.Count; i++)
        {
            var match = SectionLine().Match(TextLines.Cut(lines[i]).Body);
            if (!match.Success) continue;
            anySection = true;
            if (start >= 0) return (start, i);
            if (string.Equals(match.Groups["name"].Value.Trim(), Section, StringComparison.OrdinalIgnoreCase)) start = i + 1;
        }
        if (start >= 0) return (start, lines.Count);
        return anySection ? (-1, -1) : (0, lines.Count);
    }
}
