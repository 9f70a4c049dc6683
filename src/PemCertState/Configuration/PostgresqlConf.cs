using System.Text;
using System.Text.RegularExpressions;

namespace PemCertState.Configuration;

/// <summary>
/// Reads and edits postgresql.conf the way PostgreSQL reads it (the last active line wins), changing
/// only the lines of the settings being set: a value is replaced in place, a commented-out setting is
/// uncommented where it stands, and only a setting that appears nowhere is appended.
/// </summary>
internal static partial class PostgresqlConf
{
    [GeneratedRegex(@"^(?<indent>\s*)(?<name>[A-Za-z_][A-Za-z0-9_.]*)(?<sep>\s*=\s*|\s+)(?<value>'(?:[^']|'')*'|[^\s#]*)(?<rest>.*)$")]
    private static partial Regex ActiveLine();

    [GeneratedRegex(@"^(?<indent>\s*)#\s*(?<name>[A-Za-z_][A-Za-z0-9_.]*)(?<sep>\s*=\s*)(?<value>'(?:[^']|'')*'|[^\s#]*)(?<rest>.*)$")]
    private static partial Regex CommentedLine();

    /// <summary>Effective values (unquoted) of <paramref name="names"/>; null for a setting that is absent or only commented out.</summary>
    public static IReadOnlyDictionary<string, string?> Read(string text, IEnumerable<string> names)
    {
        var result = names.ToDictionary(n => n, _ => (string?)null, StringComparer.OrdinalIgnoreCase);
        foreach (var line in TextLines.Split(text))
        {
            var match = ActiveLine().Match(TextLines.Cut(line).Body);
            if (match.Success && result.ContainsKey(match.Groups["name"].Value))
                result[match.Groups["name"].Value] = Unquote(match.Groups["value"].Value);
        }
        return result;
    }

    /// <summary>An active line of a config file, in file order: a setting, or an include directive (include, include_if_exists, include_dir).</summary>
    /// <param name="Line">1-based, as pg_file_settings.sourceline counts.</param>
    public sealed record Directive(string Name, string Value, int Line)
    {
        public bool IsInclude => Name.ToLowerInvariant() is "include" or "include_if_exists" or "include_dir";
    }

    /// <summary>Every active line, settings and include directives alike, in file order, values unquoted.</summary>
    public static IReadOnlyList<Directive> Directives(string text)
    {
        var result = new List<Directive>();
        var number = 0;
        foreach (var line in TextLines.Split(text))
        {
            number++;
            var match = ActiveLine().Match(TextLines.Cut(line).Body);
            if (match.Success) result.Add(new Directive(match.Groups["name"].Value, Unquote(match.Groups["value"].Value) ?? "", number));
        }
        return result;
    }

    /// <summary>Sets each setting; every other byte of <paramref name="text"/> stays as it was.</summary>
    /// <param name="quote">Names whose value is written as a quoted string (file names); others are written bare (on, off).</param>
    public static string Edit(string text, IReadOnlyList<KeyValuePair<string, string>> settings, ISet<string> quote)
    {
        var lines = TextLines.Split(text);
        var ending = TextLines.EndingOf(text);
        var appended = new StringBuilder();
        foreach (var (name, value) in settings)
        {
            var formatted = quote.Contains(name) ? Quote(value) : value;
            var active = LastIndex(lines, ActiveLine(), name);
            if (active >= 0)
            {
                lines[active] = Rewrite(lines[active], ActiveLine(), formatted, uncomment: false);
                continue;
            }
            var commented = LastIndex(lines, CommentedLine(), name);
            if (commented >= 0)
            {
                lines[commented] = Rewrite(lines[commented], CommentedLine(), formatted, uncomment: true);
                continue;
            }
            appended.Append(name).Append(" = ").Append(formatted).Append(ending);
        }
        var result = string.Concat(lines);
        if (appended.Length == 0) return result;
        if (result.Length > 0 && !result.EndsWith('\n')) result += ending;
        return result + appended;
    }

    /// <summary>
    /// Comments out every active line of each setting ("#" in front, the line otherwise kept), so that PostgreSQL
    /// falls back to the built-in default and a person still sees what was there. EDB's trusted-CA procedure does
    /// this to ssl_crl_file when the CA gives no CRL.
    /// </summary>
    public static string CommentOut(string text, IEnumerable<string> names)
    {
        var wanted = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        var lines = TextLines.Split(text);
        for (var i = 0; i < lines.Count; i++)
        {
            var match = ActiveLine().Match(TextLines.Cut(lines[i]).Body);
            if (match.Success && wanted.Contains(match.Groups["name"].Value))
            {
                var indent = match.Groups["indent"].Value;
                lines[i] = indent + "#" + lines[i][indent.Length..];
            }
        }
        return string.Concat(lines);
    }

    private static int LastIndex(List<string> lines, Regex pattern, string name)
    {
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            var match = pattern.Match(TextLines.Cut(lines[i]).Body);
            if (match.Success && string.Equals(match.Groups["name"].Value, name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    private static string Rewrite(string line, Regex pattern, string value, bool uncomment)
    {
        var (body, ending) = TextLines.Cut(line);
        var m = pattern.Match(body);
        var sep = m.Groups["sep"].Value.Contains('=', StringComparison.Ordinal) ? m.Groups["sep"].Value : " = ";
        var rest = m.Groups["rest"].Value;
        if (uncomment && rest.Length > 0 && !rest.StartsWith(' ') && !rest.StartsWith('\t')) rest = " " + rest;
        return m.Groups["indent"].Value + m.Groups["name"].Value + sep + value + rest + ending;
    }

    private static string? Unquote(string value) =>
        value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1].Replace("''", "'", StringComparison.Ordinal) : value;

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
