using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PemCertState.Inventory;

/// <summary>
/// The checks the schema cannot express (references between sections, subjects, renewal windows) and the
/// resolution of defaults into a <see cref="DesiredState"/>. Runs on any tree, even one the schema rejected:
/// values of the wrong shape are skipped here because the schema has already reported them.
/// </summary>
internal sealed partial class InventoryRules(JsonNode? root, SourceMap map, string inventoryFolder)
{
    private static readonly KeySpec _builtInKey = KeySpec.Rsa(4096);
    private static readonly TimeSpan _builtInLeafValidity = TimeSpan.FromDays(365);
    private static readonly TimeSpan _builtInCaValidity = TimeSpan.FromDays(3650);
    private static readonly TimeSpan _builtInRenewBefore = TimeSpan.FromDays(30);
    private static readonly TimeSpan _builtInCrlValidity = TimeSpan.FromDays(365);

    private const string BuiltInCertDir = "/root/.pem";
    private const string BuiltInConfig = "/usr/edb/pem/agent/etc/agent.cfg";
    private const string BuiltInCommonUser = "pem_agent_common_user";
    private const string BuiltInStateRoot = "/var/lib/pemstate";
    private const string BuiltInBackupDir = "backups";
    private const string LegacyBackupDir = "certs";

    private readonly List<(int Line, int Column, string Message)> _errors = [];

    public IReadOnlyList<(int Line, int Column, string Message)> Errors => _errors;

    public DesiredState Resolve(string sourcePath)
    {
        RefuseControlCharacters();
        RefuseUnboundedText();
        var hosts = ResolveHosts();
        var ca = ResolveCa();
        var server = ResolveServer(hosts);
        var agents = ResolveAgents(hosts);
        return new DesiredState(sourcePath, hosts, ca, server, agents, ResolveWeb(hosts, ca));
    }

    /// <summary>
    /// Every string of the inventory is a path, a name, a subject or a command, and each ends up in a file pemstate
    /// writes (agent.cfg, postgresql.conf, a web server's config), in a certificate, or on a command line: none may
    /// hold a control character. Checked on the whole tree, so that a setting added later is covered too; the
    /// folder the inventory sits in and $HOME are checked where relative and "~" paths would carry them.
    /// </summary>
    private void RefuseControlCharacters()
    {
        const string Rule = "paths, names, subjects and commands must be one line of printable text";
        if (ControlCharacters.Find(inventoryFolder) is { } inFolder)
            ErrorAtValue("", $"the inventory's folder {inFolder}, and relative paths resolve against it; {Rule}, so move the inventory");
        Walk(root, "");

        void Walk(JsonNode? node, string at)
        {
            switch (node)
            {
                case JsonObject section:
                    foreach (var (key, child) in section)
                        Walk(child, JsonPointers.Append(at, key));
                    break;
                case JsonArray list:
                    for (var i = 0; i < list.Count; i++)
                        Walk(list[i], JsonPointers.Append(at, i));
                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    var text = value.GetValue<string>();
                    if (ControlCharacters.Find(text) is { } found)
                    {
                        // YAML's | and > keep the final line break unless written |- or >-: the usual way a command gets one.
                        var blockScalar = ControlCharacters.IndexIn(text) == text.Length - 1 && text[^1] == '\n'
                            ? " (a YAML block scalar, | or >, keeps the final line break: write |- or >-, or put the value on the key's line)" : "";
                        ErrorAtValue(at, $"{map.Describe(at)}: {found}; {Rule}{blockScalar}");
                    }
                    else if ((text == "~" || text.StartsWith("~/", StringComparison.Ordinal)) && ControlCharacters.Find(Home()) is { } inHome)
                        ErrorAtValue(at, $"{map.Describe(at)}: starts with ~, and $HOME {inHome}; {Rule}");
                    break;
            }
        }
    }

    /// <summary>
    /// Every string and key within <see cref="InventoryBounds.MaximumTextBytes"/>, on the whole tree for the same reason
    /// as control characters. Subjects have their own, tighter bounds per attribute (<see cref="Subject"/>).
    /// </summary>
    private void RefuseUnboundedText()
    {
        Walk(root, "");

        void Walk(JsonNode? node, string at)
        {
            switch (node)
            {
                case JsonObject section:
                    foreach (var (key, child) in section)
                    {
                        var childAt = JsonPointers.Append(at, key);
                        if (InventoryBounds.TextTooLong(at.Length == 0 ? "a key at the top level" : $"a key in {map.Describe(at)}", key) is { } keyTooLong)
                        {
                            var (line, column) = map.KeyAt(childAt);
                            if (!_errors.Contains((line, column, keyTooLong))) _errors.Add((line, column, keyTooLong));
                            continue;
                        }
                        Walk(child, childAt);
                    }
                    break;
                case JsonArray list:
                    for (var i = 0; i < list.Count; i++)
                        Walk(list[i], JsonPointers.Append(at, i));
                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    if (InventoryBounds.TextTooLong(map.Describe(at), value.GetValue<string>()) is { } tooLong)
                        ErrorAtValue(at, tooLong);
                    break;
            }
        }
    }

    private Dictionary<string, HostSpec> ResolveHosts()
    {
        var hosts = new Dictionary<string, HostSpec>(StringComparer.Ordinal);
        if (Node("/hosts") is not JsonObject declared)
            return hosts;
        foreach (var (name, _) in declared)
        {
            var at = JsonPointers.Append("/hosts", name);
            var transport = String(at + "/transport") == "ssh" ? HostTransport.Ssh : HostTransport.Local;
            hosts[name] = new HostSpec(
                name,
                transport,
                String(at + "/address"),
                (int?)Integer(at + "/port") ?? 22,
                String(at + "/user"),
                String(at + "/identity_file") is { } identity ? LocalPath(identity) : null,
                String(at + "/known_hosts") is { } knownHosts ? LocalPath(knownHosts) : null,
                Node(at + "/sudo") is JsonValue sudo && sudo.GetValueKind() == JsonValueKind.True,
                String(at + "/host_key"),
                String(at + "/passphrase_env"),
                Node(at + "/trusted_accounts") is JsonArray accounts
                    ? accounts.Select(a => a is JsonValue v && v.TryGetValue<string>(out var account) ? account : null).OfType<string>().ToList()
                    : [],
                CommandTimeout(at + "/command_timeout"));
        }
        return hosts;
    }

    private CaSpec ResolveCa()
    {
        var source = String("/ca/source") == "trusted" ? CaSource.Trusted : CaSource.SelfSigned;
        var subject = Subject("/ca/subject");
        var policy = Policy("ca", _builtInCaValidity, "/ca");
        var crlValidity = Duration("/ca/crl_validity") ?? _builtInCrlValidity;
        if (crlValidity <= TimeSpan.Zero)
            ErrorAtValue("/ca/crl_validity", "ca.crl_validity: must be longer than 0 days");
        if (source == CaSource.SelfSigned)
        {
            foreach (var key in new[] { "certificate", "crl", "requests_dir", "signed_dir" })
                if (Node("/ca/" + key) is not null)
                    ErrorAtValue("/ca/" + key, $"ca.{key}: only used with ca.source: trusted");
        }
        else if (Node("/ca/sslutils_compatible") is not null)
        {
            ErrorAtValue("/ca/sslutils_compatible", "ca.sslutils_compatible: only used with ca.source: self-signed; a trusted CA's key never reaches PEM");
        }
        if (source == CaSource.SelfSigned && policy.Key.Algorithm == KeyAlgorithm.Ecdsa && SslutilsCompatible())
            ErrorAtValue("/ca/key/algorithm",
                "ca.key: PEM's sslutils extension reads ca_key.key with PEM_read_RSAPrivateKey, so an ECDSA CA key breaks agent " +
                "registration and PEM's CA renewal job; use { algorithm: rsa, bits: 4096 }, or set ca.sslutils_compatible: false " +
                "if nothing of PEM's will ever sign with this CA (server, agent and web keys may stay ECDSA)");
        var trusted = source == CaSource.Trusted ? TrustedCa.Resolve(this, subject) : null;
        return new CaSpec(source, trusted?.Issuer ?? subject, policy, crlValidity, trusted);
    }

    /// <summary>ca.sslutils_compatible, default true: only an explicit false lets the self-signed CA have a key PEM cannot read.</summary>
    private bool SslutilsCompatible() =>
        Node("/ca/sslutils_compatible") is not JsonValue value || value.GetValueKind() != JsonValueKind.False;

    private ServerSpec ResolveServer(Dictionary<string, HostSpec> hosts)
    {
        var host = DeclaredHost("/server/host", hosts) ?? "";
        var dataDir = LocalPath(String("/server/data_dir") ?? ".");
        var stateDir = ResolveStateDir(host, dataDir);
        var backupDir = String("/server/backup_dir");
        var backups = Path.GetFullPath(Path.Combine(stateDir, ExpandHome(backupDir ?? BuiltInBackupDir)));
        // Where the same setting put the sets before state_dir existed: relative to data_dir, default certs.
        var legacyBackups = Path.GetFullPath(Path.Combine(dataDir, ExpandHome(backupDir ?? LegacyBackupDir)));
        var database = ResolveDatabase();
        return new ServerSpec(
            host,
            dataDir,
            String("/server/owner"),
            Subject("/server/subject"),
            Policy("server", _builtInLeafValidity, "/server"),
            backups,
            stateDir,
            String("/server/restart"),
            database)
        {
            LegacyBackupDir = legacyBackups == backups ? null : legacyBackups,
            Reload = ResolveReload(database),
        };
    }

    /// <summary>
    /// server.reload: a command; absent, pg_reload_conf() over server.database when there is one; an explicit null, none
    /// (every change restarts the server, as before server.reload existed).
    /// </summary>
    private ServerReload? ResolveReload(DatabaseSpec? database)
    {
        if (String("/server/reload") is { } command) return new ServerReload(command);
        var set = Node("/server") is JsonObject server && server.ContainsKey("reload");
        return !set && database is not null ? new ServerReload(null) : null;
    }

    /// <summary>
    /// server.state_dir, default /var/lib/pemstate/&lt;host&gt;. Inside data_dir it would be what it replaces: a folder
    /// the database account can rename and pg_basebackup trips over, so that is an error here, not at the first apply.
    /// </summary>
    private string ResolveStateDir(string host, string dataDir)
    {
        const string at = "/server/state_dir";
        string stateDir;
        if (String(at) is { } set) stateDir = LocalPath(set);
        else if (host is "." or ".." || host.Contains('/', StringComparison.Ordinal))
        {
            // The host's name becomes a folder name: one that is not a plain name would put the state somewhere else.
            ErrorAtValue("/server/host", $"server.host: '{host}' is not a plain folder name, so it cannot name the default state folder; set server.state_dir");
            stateDir = BuiltInStateRoot;
        }
        else stateDir = Path.Combine(BuiltInStateRoot, host.Length > 0 ? host : "server");
        var data = Path.TrimEndingDirectorySeparator(dataDir);
        if (stateDir == data || stateDir.StartsWith(data == "/" ? "/" : data + "/", StringComparison.Ordinal))
            ErrorAtValue(String(at) is null ? "/server/data_dir" : at,
                $"server.state_dir: {stateDir} is {(stateDir == data ? "data_dir itself" : $"inside data_dir {data}")}; the database account owns data_dir " +
                "and pg_basebackup copies it, so pemstate's journal, ledger, lock and backups must live elsewhere (default /var/lib/pemstate/<server.host>)");
        return stateDir;
    }

    private DatabaseSpec? ResolveDatabase()
    {
        if (Node("/server/database") is not JsonObject)
            return null;
        return new DatabaseSpec(
            String("/server/database/host") ?? "",
            (int?)Integer("/server/database/port") ?? 5432,
            String("/server/database/name") ?? "pem",
            String("/server/database/user") ?? "",
            String("/server/database/password_env"),
            String("/server/database/sslmode") ?? DatabaseSpec.DefaultSslMode,
            String("/server/database/sslrootcert") is { } rootCert ? CheckedRootCert(LocalPath(rootCert)) : null);
    }

    /// <summary>
    /// server.database.sslrootcert is read again at every connection (it may be rotated beside the inventory); here
    /// only so that `validate` already says when it is missing or holds no certificate.
    /// </summary>
    private string CheckedRootCert(string path)
    {
        const string at = "/server/database/sslrootcert";
        try
        {
            if (Crypto.PemCodec.DecodeCertificates(File.ReadAllBytes(path)).Count == 0)
                ErrorAtValue(at, $"server.database.sslrootcert: {path} holds no PEM certificate; give the CA certificate(s) the server's certificate comes from");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ErrorAtValue(at, $"server.database.sslrootcert: cannot read {path}: {e.Message}");
        }
        return path;
    }

    private AgentsSpec ResolveAgents(Dictionary<string, HostSpec> hosts)
    {
        var user = String("/agents/user") == "common" ? AgentUserMode.Common : AgentUserMode.PerAgent;
        var commonUser = String("/agents/common_user") ?? BuiltInCommonUser;
        var source = String("/agents/discover") == "database" ? AgentSource.Database : AgentSource.Inventory;
        if (source == AgentSource.Database && Node("/server/database") is not JsonObject)
            ErrorAtValue("/agents/discover", "agents.discover: database needs server.database to reach the PEM database");

        var prefix = String("/agents/subject") ?? "";
        if (prefix.Length > 0 && InventoryBounds.TextTooLong("", prefix) is null)
        {
            var (attributes, error) = DistinguishedNameSyntax.Parse(prefix);
            if (error is not null)
                ErrorAtValue("/agents/subject", $"agents.subject: {error}");
            else if (attributes.Any(a => a.Key == "CN"))
                ErrorAtValue("/agents/subject", "agents.subject: must not contain CN; the CN is always the agent's database user");
        }

        var defaultHost = String("/agents/defaults/host") is not null ? DeclaredHost("/agents/defaults/host", hosts) : null;
        var agents = new List<AgentSpec>();
        var firstSeen = new Dictionary<long, string>();
        if (Node("/agents/list") is JsonArray list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                var at = JsonPointers.Append("/agents/list", i);
                if (Integer(at + "/id") is not { } id)
                    continue;
                // A duplicate is still resolved, so that its other errors are reported too; it is not kept.
                var agent = ResolveAgent(at, (int)id, hosts, defaultHost);
                if (firstSeen.TryGetValue(id, out var first))
                {
                    ErrorAtValue(at + "/id", $"{map.Describe(at)}.id: agent id {id} is declared twice (first at line {map.ValueAt(first).Line})");
                    continue;
                }
                firstSeen[id] = at + "/id";
                agents.Add(agent);
            }
        }
        var revokeRemoved = Node("/agents/revoke_removed") is JsonValue revoke && revoke.GetValueKind() == JsonValueKind.True;
        if (revokeRemoved && String("/ca/source") == "trusted")
            ErrorAtValue("/agents/revoke_removed", "agents.revoke_removed: needs ca.source: self-signed; a trusted CA revokes through its own CRL, which pemstate only copies");
        var spread = Duration("/agents/spread") ?? TimeSpan.Zero;
        // A renewed certificate must land outside its renew_before window, or every apply would renew it again.
        foreach (var agent in agents.Where(a => spread > TimeSpan.Zero && spread >= a.Policy.Validity - a.Policy.RenewBefore).Take(1))
            ErrorAtValue("/agents/spread", $"agents.spread {Durations.Format(spread)} must be shorter than agent {agent.Id}'s validity {Durations.Format(agent.Policy.Validity)} minus renew_before {Durations.Format(agent.Policy.RenewBefore)}");
        IReadOnlyList<AgentSpec> ordered = [.. agents.OrderBy(a => a.Id)];
        var resolved = new AgentsSpec(user, commonUser, prefix, ordered, source,
            source == AgentSource.Database ? ResolveDefaults(defaultHost) : null, revokeRemoved)
        {
            Spread = spread,
            Declared = ordered,
            DefaultCertDir = LocalPath(String("/agents/defaults/cert_dir") ?? BuiltInCertDir),
        };
        RefuseSharedFiles(resolved, agents, hosts, firstSeen);
        return resolved;
    }

    /// <summary>
    /// Two listed agents with one agent.cfg, key or certificate on one machine, reported at the second agent's setting
    /// that names the file (its own, else agents.defaults', else the agent itself when both use the built-in path).
    /// </summary>
    private void RefuseSharedFiles(AgentsSpec spec, List<AgentSpec> inFileOrder, Dictionary<string, HostSpec> hosts, Dictionary<long, string> idAt)
    {
        foreach (var clash in SharedAgentFiles.Find(spec, inFileOrder, hosts))
        {
            var at = JsonPointers.Parent(idAt[clash.Second.Id]);
            var setting = clash.SecondUse == "agent.cfg" ? "config" : "cert_dir";
            var where = Node($"{at}/{setting}") is not null ? $"{at}/{setting}"
                : Node($"/agents/defaults/{setting}") is not null ? $"/agents/defaults/{setting}"
                : at;
            var firstLine = map.ValueAt(JsonPointers.Parent(idAt[clash.First.Id])).Line;
            ErrorAtValue(where, $"{map.Describe(at)}: {clash.Describe()} (line {firstLine.ToString(CultureInfo.InvariantCulture)}); {SharedAgentFiles.Clash.Why}: {clash.Fix}");
        }
    }

    private AgentSpec ResolveAgent(string at, int id, Dictionary<string, HostSpec> hosts, string? defaultHost)
    {
        string? host;
        if (String(at + "/host") is not null)
        {
            host = DeclaredHost(at + "/host", hosts);
        }
        else
        {
            host = defaultHost;
            if (String("/agents/defaults/host") is null)
                ErrorAtValue(at, $"{map.Describe(at)}: agent {id} has no host; set host on the agent or in agents.defaults");
        }

        var idText = id.ToString(CultureInfo.InvariantCulture);
        string Setting(string key, string builtIn) =>
            (String($"{at}/{key}") ?? String($"/agents/defaults/{key}") ?? builtIn).Replace("{id}", idText, StringComparison.Ordinal);

        return new AgentSpec(
            id,
            host ?? "",
            LocalPath(Setting("cert_dir", BuiltInCertDir)),
            LocalPath(Setting("config", BuiltInConfig)),
            Nearest(at + "/owner", "/agents/defaults/owner"),
            Nearest(at + "/restart", "/agents/defaults/restart")?.Replace("{id}", idText, StringComparison.Ordinal),
            Policy($"agent {id}", _builtInLeafValidity, at, "/agents/defaults"));
    }

    /// <summary>The defaults an agent found only in pem.agent gets; "{id}" stays in the paths until the id is known.</summary>
    private AgentDefaults ResolveDefaults(string? defaultHost) => new(
        defaultHost,
        LocalPath(String("/agents/defaults/cert_dir") ?? BuiltInCertDir),
        LocalPath(String("/agents/defaults/config") ?? BuiltInConfig),
        String("/agents/defaults/owner"),
        String("/agents/defaults/restart"),
        Policy("agents.defaults", _builtInLeafValidity, "/agents/defaults"));

    /// <summary>An explicit null on the agent wins over the defaults (e.g. <c>restart: null</c>: no restart for this one).</summary>
    private string? Nearest(string agentPointer, string defaultsPointer)
    {
        if (Node(JsonPointers.Parent(agentPointer)) is JsonObject agent && agent.ContainsKey(JsonPointers.Last(agentPointer)))
            return String(agentPointer);
        return String(defaultsPointer);
    }

    /// <summary>Key, validity and renew_before from the nearest layer that sets each (layers nearest first).</summary>
    private CertificatePolicy Policy(string label, TimeSpan builtInValidity, params string[] layers)
    {
        var keyAt = layers.Select(l => l + "/key").FirstOrDefault(p => Node(p) is JsonObject);
        var validityAt = layers.Select(l => l + "/validity").FirstOrDefault(p => Duration(p) is not null);
        var renewAt = layers.Select(l => l + "/renew_before").FirstOrDefault(p => Duration(p) is not null);

        var key = keyAt is null ? _builtInKey : Key(keyAt);
        var validity = validityAt is null ? builtInValidity : Duration(validityAt)!.Value;
        var renewBefore = renewAt is null ? _builtInRenewBefore : Duration(renewAt)!.Value;

        if (renewBefore >= validity)
        {
            var where = renewAt ?? validityAt ?? layers[0];
            var fromAgentItem = (renewAt ?? "").StartsWith("/agents/list/", StringComparison.Ordinal)
                || (validityAt ?? "").StartsWith("/agents/list/", StringComparison.Ordinal);
            var who = label.StartsWith("agent ", StringComparison.Ordinal) && !fromAgentItem ? "agents.defaults" : label;
            ErrorAtValue(where, $"{who}: renew_before {Durations.Format(renewBefore)} must be shorter than validity {Durations.Format(validity)}");
        }
        return new CertificatePolicy(key, validity, renewBefore);
    }

    private KeySpec Key(string at)
    {
        if (String(at + "/algorithm") == "ecdsa")
            return String(at + "/curve") == "p384" ? KeySpec.EcdsaP384 : KeySpec.EcdsaP256;
        return Integer(at + "/bits") is { } bits and >= 2048 and <= 8192 ? KeySpec.Rsa((int)bits) : _builtInKey;
    }

    private string Subject(string at)
    {
        if (String(at) is not { } subject)
            return "";
        if (InventoryBounds.TextTooLong("", subject) is not null)
            return subject; // reported once, as too long, by RefuseUnboundedText
        var (_, error) = DistinguishedNameSyntax.Parse(subject);
        if (error is not null)
            ErrorAtValue(at, $"{map.Describe(at)}: {error}");
        return subject;
    }

    private string? DeclaredHost(string at, Dictionary<string, HostSpec> hosts)
    {
        if (String(at) is not { } name)
            return null;
        if (hosts.ContainsKey(name))
            return name;
        var known = hosts.Count == 0 ? "none" : string.Join(", ", hosts.Keys);
        ErrorAtValue(at, $"{map.Describe(at)}: host '{name}' is not declared in hosts (declared: {known})");
        return null;
    }

    private TimeSpan? Duration(string at)
    {
        if (String(at) is not { } text)
            return null;
        var parsed = Durations.TryParse(text);
        if (parsed is null && text.Length > 1 && text[^1] == 'd' && text[..^1].All(char.IsAsciiDigit) && text[0] != '0')
            ErrorAtValue(at, $"{map.Describe(at)}: {text} is longer than the maximum {Durations.MaximumDays}d");
        return parsed;
    }

    /// <summary>A host's command_timeout ("120s", "5m"); the schema checks the form, this the upper bound.</summary>
    private TimeSpan? CommandTimeout(string at)
    {
        if (String(at) is not { } text)
            return null;
        var parsed = Durations.TryParseCommandTimeout(text);
        if (parsed is null)
            ErrorAtValue(at, $"{map.Describe(at)}: {text} is not a duration of 1s to {Durations.MaximumCommandTimeout.TotalHours:0}h written as seconds (120s) or minutes (5m)");
        return parsed;
    }

    /// <summary>
    /// A NUL is reported by <see cref="RefuseControlCharacters"/> already; Path.GetFullPath throws on it, so it is taken
    /// out here for the rest of the resolution to run and report what else is wrong (the state is never used).
    /// </summary>
    internal string LocalPath(string path) =>
        Path.GetFullPath(Path.Combine(inventoryFolder, ExpandHome(path.Replace("\0", "", StringComparison.Ordinal))));

    private static string ExpandHome(string path)
    {
        if (path != "~" && !path.StartsWith("~/", StringComparison.Ordinal))
            return path;
        var home = Home();
        return path.Length == 1 ? home : Path.Combine(home, path[2..]);
    }

    private static string Home() =>
        Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    internal void ErrorAtValue(string at, string message)
    {
        var (line, column) = map.ValueAt(at);
        if (!_errors.Contains((line, column, message)))
            _errors.Add((line, column, message));
    }

    internal JsonNode? Node(string pointer) => InventorySchema.NodeAt(root, pointer);

    internal string? String(string pointer) =>
        Node(pointer) is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private long? Integer(string pointer) =>
        Node(pointer) is JsonValue value && value.TryGetValue<long>(out var integer) ? integer : null;
}
