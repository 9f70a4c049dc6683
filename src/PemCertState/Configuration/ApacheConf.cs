using System.Text.RegularExpressions;

namespace PemCertState.Configuration;

/// <summary>
/// Reads and edits an Apache httpd config (edb-ssl-pem.conf) inside PEM's &lt;VirtualHost&gt; only: the
/// SSLCertificateFile / SSLCertificateKeyFile / SSLCertificateChainFile lines directly in that block change,
/// every other byte of the file stays. Directives in sections nested in the VirtualHost are not looked at,
/// and continuation lines (a trailing backslash) are not joined.
/// </summary>
internal static partial class ApacheConf
{
    public const string CertificateDirective = "SSLCertificateFile";
    public const string KeyDirective = "SSLCertificateKeyFile";
    public const string ChainDirective = "SSLCertificateChainFile";

    private static readonly Syntax _syntax = new();

    public static WebConfigRead Read(string text, WebBlockSelector selector, IEnumerable<string> names) => _syntax.Read(text, selector, names);

    /// <exception cref="FormatException">No VirtualHost can be taken as PEM's.</exception>
    public static string Edit(string text, WebBlockSelector selector, IReadOnlyList<KeyValuePair<string, string>> settings) => _syntax.Edit(text, selector, settings);

    [GeneratedRegex(@"^\s*<\s*(?<name>[A-Za-z][A-Za-z0-9_]*)(?<args>[^>]*)>\s*$")]
    private static partial Regex OpenSection();

    [GeneratedRegex(@"^\s*</\s*(?<name>[A-Za-z][A-Za-z0-9_]*)\s*>\s*$")]
    private static partial Regex CloseSection();

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z][A-Za-z0-9_]*)(?:\s+(?<args>.*?))?\s*$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^\s*#\s*(?<name>[A-Za-z][A-Za-z0-9_]*)\s+(?<args>.*?)\s*$")]
    private static partial Regex CommentedDirective();

    [GeneratedRegex(@"^(?<indent>\s*)(?:#\s*)?(?<name>[A-Za-z][A-Za-z0-9_]*)(?<sep>\s+)(?<value>""(?:[^""\\]|\\.)*""?|\S+)(?<rest>.*)$")]
    private static partial Regex ValueLine();

    private sealed class Syntax : WebConfigSyntax
    {
        protected override string BlockKind => "<VirtualHost>";

        protected override StringComparison NameComparison => StringComparison.OrdinalIgnoreCase;

        internal override List<WebBlock> Parse(IReadOnlyList<string> lines)
        {
            var blocks = new List<WebBlock>();
            var sections = new Stack<string>();
            var vhostDepth = -1;
            var open = 0;
            var label = "";
            var addresses = new List<string>();
            var directives = new List<WebDirective>();
            for (var i = 0; i < lines.Count; i++)
            {
                var body = TextLines.Cut(lines[i]).Body;
                Match m;
                if ((m = CloseSection().Match(body)).Success)
                {
                    if (sections.Count > 0) sections.Pop();
                    if (vhostDepth >= 0 && sections.Count == vhostDepth)
                    {
                        blocks.Add(Block(open, i, label, addresses, directives));
                        vhostDepth = -1;
                    }
                }
                else if ((m = OpenSection().Match(body)).Success)
                {
                    if (vhostDepth < 0 && m.Groups["name"].Value.Equals("VirtualHost", StringComparison.OrdinalIgnoreCase))
                    {
                        vhostDepth = sections.Count;
                        open = i;
                        label = $"<VirtualHost {m.Groups["args"].Value.Trim()}> at line {LineNumber(i)}";
                        addresses = SplitArguments(m.Groups["args"].Value);
                        directives = [];
                    }
                    sections.Push(m.Groups["name"].Value);
                }
                else if (vhostDepth >= 0 && sections.Count == vhostDepth + 1)
                {
                    if ((m = CommentedDirective().Match(body)).Success)
                        directives.Add(new WebDirective(i, m.Groups["name"].Value, SplitArguments(m.Groups["args"].Value), true));
                    else if (!body.TrimStart().StartsWith('#') && (m = Directive().Match(body)).Success)
                        directives.Add(new WebDirective(i, m.Groups["name"].Value, SplitArguments(m.Groups["args"].Value), false));
                }
            }
            return blocks;
        }

        private static WebBlock Block(int open, int close, string label, List<string> addresses, List<WebDirective> directives)
        {
            var names = new List<string>();
            foreach (var d in directives.Where(d => !d.Commented))
            {
                if (d.Name.Equals("ServerName", StringComparison.OrdinalIgnoreCase) && d.Arguments.Count > 0)
                    names.Add(HostOf(d.Arguments[0]));
                else if (d.Name.Equals("ServerAlias", StringComparison.OrdinalIgnoreCase))
                    names.AddRange(d.Arguments.Select(a => a.ToLowerInvariant()));
            }
            var ssl = directives.LastOrDefault(d => !d.Commented && d.Name.Equals("SSLEngine", StringComparison.OrdinalIgnoreCase)) is { Arguments.Count: > 0 } engine
                && engine.Arguments[0].Equals("on", StringComparison.OrdinalIgnoreCase);
            return new WebBlock(open, close, label, addresses, names, ssl, directives);
        }

        /// <summary>ServerName is [scheme://]name[:port].</summary>
        private static string HostOf(string serverName)
        {
            var name = serverName.Contains("://", StringComparison.Ordinal) ? serverName[(serverName.IndexOf("://", StringComparison.Ordinal) + 3)..] : serverName;
            if (name.StartsWith('[')) return name[1..Math.Max(1, name.IndexOf(']', StringComparison.Ordinal))].ToLowerInvariant();
            var colon = name.LastIndexOf(':');
            return (colon >= 0 ? name[..colon] : name).ToLowerInvariant();
        }

        protected override string Rewrite(string body, string value)
        {
            var m = ValueLine().Match(body);
            return m.Groups["indent"].Value + m.Groups["name"].Value + m.Groups["sep"].Value + Format(value, m.Groups["value"].Value) + m.Groups["rest"].Value;
        }

        protected override string NewLine(string indent, string name, string value) => indent + name + " " + Format(value, "");
    }
}
