using System.Globalization;

namespace PemCertState.Configuration;

/// <summary>
/// What Apache and NGINX configs share: find PEM's block, read directives directly inside it, and set them
/// there, changing only the lines of those directives. A directive that is only commented out is
/// uncommented where it stands; one that is absent is inserted inside the block, before its closing line.
/// </summary>
internal abstract class WebConfigSyntax
{
    /// <summary>"&lt;VirtualHost&gt;" or "server", for messages.</summary>
    protected abstract string BlockKind { get; }

    protected abstract StringComparison NameComparison { get; }

    /// <summary>Every block of the kind, with its direct directives. Blocks that never close are left out.</summary>
    internal abstract List<WebBlock> Parse(IReadOnlyList<string> lines);

    /// <summary>The line (without ending) with the directive's first argument replaced, uncommented when it was commented out.</summary>
    protected abstract string Rewrite(string body, string value);

    /// <summary>A new directive line (without ending).</summary>
    protected abstract string NewLine(string indent, string name, string value);

    public WebConfigRead Read(string text, WebBlockSelector selector, IEnumerable<string> names)
    {
        var lines = TextLines.Split(text);
        var settings = names.ToDictionary(n => n, _ => (string?)null, StringComparer.Ordinal);
        var (block, problem) = Select(Parse(lines), selector);
        if (block is null) return new WebConfigRead(null, problem, settings);
        foreach (var name in settings.Keys.ToList())
            settings[name] = block.Directives.LastOrDefault(d => !d.Commented && string.Equals(d.Name, name, NameComparison))?.Arguments.FirstOrDefault();
        return new WebConfigRead(block.Label, null, settings);
    }

    /// <exception cref="FormatException">No block can be taken as PEM's (the message says why).</exception>
    public string Edit(string text, WebBlockSelector selector, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        var lines = TextLines.Split(text);
        var ending = TextLines.EndingOf(text);
        foreach (var (name, value) in settings)
        {
            // Parse again after each change: an insertion moves the lines below it.
            var (block, problem) = Select(Parse(lines), selector);
            if (block is null) throw new FormatException(problem);
            var active = block.Directives.LastOrDefault(d => !d.Commented && string.Equals(d.Name, name, NameComparison));
            var commented = block.Directives.LastOrDefault(d => d.Commented && string.Equals(d.Name, name, NameComparison));
            if ((active ?? commented) is { } existing)
            {
                var (body, lineEnding) = TextLines.Cut(lines[existing.Line]);
                lines[existing.Line] = Rewrite(body, value) + lineEnding;
                continue;
            }
            if (block.Open == block.Close)
                throw new FormatException($"{block.Label} opens and closes on one line; put its closing on a line of its own so that {name} can be added inside it");
            lines.Insert(block.Close, NewLine(Indent(lines, block), name, value) + ending);
        }
        return string.Concat(lines);
    }

    /// <summary>Indentation of the block's first direct directive, else the closing line's plus four spaces.</summary>
    private static string Indent(List<string> lines, WebBlock block)
    {
        var first = block.Directives.FirstOrDefault(d => !d.Commented) ?? block.Directives.FirstOrDefault();
        var line = TextLines.Cut(lines[first?.Line ?? block.Close]).Body;
        var indent = line[..(line.Length - line.TrimStart().Length)];
        return first is null ? indent + "    " : indent;
    }

    private (WebBlock? Block, string? Problem) Select(List<WebBlock> blocks, WebBlockSelector selector)
    {
        if (blocks.Count == 0) return (null, $"the file has no {BlockKind} block");
        if (selector.Vhost is { } vhost)
        {
            var wanted = blocks.Where(b => b.Addresses.Contains(vhost, StringComparer.OrdinalIgnoreCase)
                || b.ServerNames.Contains(vhost.ToLowerInvariant(), StringComparer.Ordinal)).ToList();
            return wanted.Count switch
            {
                1 => (wanted[0], null),
                0 => (null, $"no {BlockKind} block has the address or server name '{vhost}' (web.vhost); found: {List(blocks)}"),
                _ => (null, $"{wanted.Count} {BlockKind} blocks match web.vhost '{vhost}': {List(wanted)}"),
            };
        }

        var named = blocks.Where(b => b.ServerNames.Any(n => selector.Names.Contains(n, StringComparer.Ordinal))).ToList();
        if (named.Count == 1) return (named[0], null);
        if (named.Count > 1)
        {
            var securedNamed = named.Where(b => b.Ssl).ToList();
            return securedNamed.Count == 1
                ? (securedNamed[0], null)
                : (null, $"{named.Count} {BlockKind} blocks carry the certificate's names ({List(named)}); set web.vhost to say which is PEM's");
        }
        var secured = blocks.Where(b => b.Ssl).ToList();
        if (secured.Count == 1) return (secured[0], null);
        if (blocks.Count == 1) return (blocks[0], null);
        return (null, $"{blocks.Count} {BlockKind} blocks ({List(blocks)}) and no single one is PEM's by server name or SSL; set web.vhost to say which");
    }

    private static string List(IEnumerable<WebBlock> blocks) => string.Join(", ", blocks.Select(b => b.Label));

    protected static string LineNumber(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>Arguments split on blanks, each unquoted ("a b" stays one argument).</summary>
    protected static List<string> SplitArguments(string text)
    {
        var result = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) { i++; continue; }
            if (text[i] is '"' or '\'')
            {
                var quote = text[i];
                var end = i + 1;
                while (end < text.Length && text[end] != quote) end += text[end] == '\\' ? 2 : 1;
                result.Add(text[(i + 1)..Math.Min(end, text.Length)]);
                i = end + 1;
            }
            else
            {
                var end = i;
                while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
                result.Add(text[i..end]);
                i = end;
            }
        }
        return result;
    }

    /// <summary>The value as it should be written: quoted when the old one was, or when it holds blanks or quotes.</summary>
    protected static string Format(string value, string old)
    {
        var quote = old.Length > 0 && old[0] is '"' or '\'' ? old[0] : '"';
        var needs = old.Length > 0 && old[0] is '"' or '\'' || value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or ';' or '#' or '{' or '}');
        return needs ? quote + value.Replace(quote.ToString(), "\\" + quote, StringComparison.Ordinal) + quote : value;
    }
}
