using System.Text.RegularExpressions;

namespace PemCertState.Configuration;

/// <summary>
/// Reads and edits an NGINX config (edb-pem.conf) inside PEM's server block only: the ssl_certificate /
/// ssl_certificate_key lines directly in that block change, every other byte of the file stays. Expects one
/// directive a line, as NGINX's own and EDB's files are written; directives in nested blocks (location) are not looked at.
/// </summary>
internal static partial class NginxConf
{
    public const string CertificateDirective = "ssl_certificate";
    public const string KeyDirective = "ssl_certificate_key";

    private static readonly Syntax _syntax = new();

    public static WebConfigRead Read(string text, WebBlockSelector selector, IEnumerable<string> names) => _syntax.Read(text, selector, names);

    /// <exception cref="FormatException">No server block can be taken as PEM's.</exception>
    public static string Edit(string text, WebBlockSelector selector, IReadOnlyList<KeyValuePair<string, string>> settings) => _syntax.Edit(text, selector, settings);

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<args>[^{};#]*)\{")]
    private static partial Regex OpenBlock();

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:\s+(?<args>[^;{}]*?))?\s*;")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^\s*#\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?<args>[^;{}]*?)\s*;")]
    private static partial Regex CommentedDirective();

    [GeneratedRegex(@"^(?<indent>\s*)(?:#\s*)?(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<sep>\s+)(?<value>""(?:[^""\\]|\\.)*""|'[^']*'|[^\s;]+)(?<rest>.*)$")]
    private static partial Regex ValueLine();

    private sealed class Syntax : WebConfigSyntax
    {
        protected override string BlockKind => "server";

        protected override StringComparison NameComparison => StringComparison.Ordinal;

        internal override List<WebBlock> Parse(IReadOnlyList<string> lines)
        {
            var blocks = new List<WebBlock>();
            var depth = 0;
            var serverDepth = -1;
            var open = 0;
            var directives = new List<WebDirective>();
            for (var i = 0; i < lines.Count; i++)
            {
                var body = TextLines.Cut(lines[i]).Body;
                if (body.TrimStart().StartsWith('#'))
                {
                    Match c;
                    if (serverDepth >= 0 && depth == serverDepth + 1 && (c = CommentedDirective().Match(body)).Success)
                        directives.Add(new WebDirective(i, c.Groups["name"].Value, SplitArguments(c.Groups["args"].Value), true));
                    continue;
                }
                var m = OpenBlock().Match(body);
                if (m.Success && serverDepth < 0 && m.Groups["name"].Value == "server")
                {
                    serverDepth = depth;
                    open = i;
                    directives = [];
                }
                else if (!m.Success && serverDepth >= 0 && depth == serverDepth + 1 && (m = Directive().Match(body)).Success)
                {
                    directives.Add(new WebDirective(i, m.Groups["name"].Value, SplitArguments(m.Groups["args"].Value), false));
                }

                foreach (var c in Code(body))
                {
                    if (c == '{') depth++;
                    else if (c == '}' && depth > 0)
                    {
                        depth--;
                        if (serverDepth >= 0 && depth == serverDepth)
                        {
                            blocks.Add(Block(open, i, directives));
                            serverDepth = -1;
                        }
                    }
                }
            }
            return blocks;
        }

        /// <summary>The line's characters outside quotes and before a comment.</summary>
        private static IEnumerable<char> Code(string body)
        {
            char? quote = null;
            for (var i = 0; i < body.Length; i++)
            {
                var c = body[i];
                if (quote is { } q)
                {
                    if (c == '\\') i++;
                    else if (c == q) quote = null;
                    continue;
                }
                if (c is '"' or '\'') quote = c;
                else if (c == '#') yield break;
                else yield return c;
            }
        }

        private static WebBlock Block(int open, int close, List<WebDirective> directives)
        {
            var active = directives.Where(d => !d.Commented).ToList();
            var listens = active.Where(d => d.Name == "listen" && d.Arguments.Count > 0).ToList();
            var names = active.Where(d => d.Name == "server_name").SelectMany(d => d.Arguments).Select(n => n.ToLowerInvariant()).ToList();
            var ssl = listens.Any(l => l.Arguments.Skip(1).Contains("ssl", StringComparer.Ordinal))
                || active.LastOrDefault(d => d.Name == "ssl") is { Arguments: ["on", ..] };
            var label = $"server block at line {LineNumber(open)}" + (listens.Count > 0 ? $" (listen {string.Join(", ", listens.Select(l => string.Join(' ', l.Arguments)))})" : "");
            return new WebBlock(open, close, label, listens.Select(l => l.Arguments[0]).ToList(), names, ssl, directives);
        }

        protected override string Rewrite(string body, string value)
        {
            var m = ValueLine().Match(body);
            return m.Groups["indent"].Value + m.Groups["name"].Value + m.Groups["sep"].Value + Format(value, m.Groups["value"].Value) + m.Groups["rest"].Value;
        }

        protected override string NewLine(string indent, string name, string value) => indent + name + " " + Format(value, "") + ";";
    }
}
