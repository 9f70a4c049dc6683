using System.Text;
using PemCertState.Configuration;
using PemCertState.Facts;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// A process that reads pemstate's files only when it (re)starts or reloads: PostgreSQL, each agent, the web server.
/// Its fingerprint sums up what it would load now: the SHA-256 of each file it reads and the settings pemstate manages
/// that point at them. pemstate records the fingerprint a consumer was last (re)started with (loaded.jsonl, <see cref="State.LoadedFilesFormat"/>);
/// any difference from the fingerprint of the files on disk is a restart owed, whatever crashed when.
/// </summary>
/// <param name="Name">"server", "web", "agent[5]": the key of its record.</param>
/// <param name="Restart">The restart step's address that makes it load its files (for the server, restart[server] also stands
/// for its reload: the planner picks which).</param>
/// <param name="Files">The files it loads, whole.</param>
/// <param name="SettingsFile">The config whose <paramref name="SettingNames"/> it loads (the rest of that file is not pemstate's).</param>
internal sealed record Consumer(string Name, string Host, ResourceAddress Restart, IReadOnlyList<string> Files, string? SettingsFile, IReadOnlyList<string> SettingNames)
{
    public const string Server = "server";
    public const string Web = "web";

    public static string Agent(int id) => $"agent[{id}]";

    /// <summary>The consumer of an inventory: server, web server and agents that have a restart (or reload) command.</summary>
    public static IReadOnlyList<Consumer> All(DesiredState desired)
    {
        var all = new List<Consumer>();
        if (desired.Server.Restart is not null || desired.Server.Reload is not null) all.Add(Of(desired, Addresses.ServerRestart)!);
        if (desired.Web is { Reload: not null }) all.Add(Of(desired, Addresses.WebRestart)!);
        foreach (var agent in desired.Agents.List.Where(a => a.Restart is not null))
            all.Add(Of(desired, Addresses.AgentRestart(agent.Id))!);
        return all;
    }

    /// <summary>The consumer a restart step makes load its files; null for an address that names none in the inventory.</summary>
    public static Consumer? Of(DesiredState desired, ResourceAddress restart)
    {
        var server = desired.Server;
        // A reload loads every SSL file and setting too: it satisfies a restart owed for them.
        if (restart.IsServerLoad)
            return new Consumer(Server, server.Host, Addresses.ServerRestart,
                [.. new[] { PemFiles.ServerKey, PemFiles.ServerCertificate, PemFiles.RootBundle, PemFiles.RootCrl }.Select(f => PemFiles.InDataDir(server, f))],
                PemFiles.InDataDir(server, PemFiles.PostgresqlConf), SslSettings.Names);
        if (restart == Addresses.WebRestart && desired.Web is { } web)
            return new Consumer(Web, web.Host, Addresses.WebRestart,
                [web.KeyFile, web.CertificateFile, .. web.ChainFile is { } chain ? [chain] : Array.Empty<string>(), web.Config], null, []);
        if (restart.Kind == ResourceKind.AgentRestart && restart.Agent is { } id && desired.Agents.List.FirstOrDefault(a => a.Id == id) is { } agent)
            return new Consumer(Agent(id), agent.Host, Addresses.AgentRestart(id),
                [PemFiles.AgentKey(desired.Agents, agent), PemFiles.AgentCertificate(desired.Agents, agent)],
                agent.Config, Observer.AgentSettingNames);
        return null;
    }

    /// <summary>What it would load now, as observed; null when its files could not be read (an unreadable agent).</summary>
    public string? Fingerprint(ObservedState observed)
    {
        if (Name == Server)
        {
            var s = observed.Server;
            return Of([s.Key.File, s.Certificate.File, s.Root.File, s.Crl.File], s.Settings.Settings);
        }
        if (Name == Web)
        {
            if (observed.Web is not { } web) return null;
            return Of([web.Key.File, web.Certificate.File, .. web.Chain is { } chain ? [chain.File] : Array.Empty<FileFacts>(), web.Config], null);
        }
        var id = Restart.Agent!.Value;
        if (observed.Agents.GetValueOrDefault(id) is not { Unreadable: null } agent) return null;
        return Of([agent.Key.File, agent.Certificate.File], agent.Settings.Settings);
    }

    /// <summary>What to read for <see cref="Fingerprint(IReadOnlyList{FileSnapshot})"/>: its files, then its settings file when it has one.</summary>
    public IReadOnlyList<string> FilesToRead => [.. Files, .. SettingsFile is { } config ? [config] : Array.Empty<string>()];

    /// <summary>
    /// What it would load now, from <paramref name="read"/>: <see cref="FilesToRead"/> as its host last read or wrote them
    /// (the executor asks the host, in one round trip). The same sum as <see cref="Fingerprint(ObservedState)"/> of the
    /// same files. Should another hand have changed one since, the record differs from the disk and the next run owes one
    /// restart more.
    /// </summary>
    public string Fingerprint(IReadOnlyList<FileSnapshot> read)
    {
        if (read.Count != FilesToRead.Count) throw new ArgumentException($"{Name}: {read.Count} files read, {FilesToRead.Count} asked", nameof(read));
        IReadOnlyDictionary<string, string?>? values = null;
        if (SettingsFile is not null)
        {
            var file = read[^1];
            var text = file.Exists ? Encoding.UTF8.GetString(file.Content) : "";
            values = Name == Server ? PostgresqlConf.Read(text, SettingNames) : AgentCfg.Read(text, SettingNames);
        }
        return Of([.. read.Take(Files.Count).Select(FileFacts.From)], values);
    }

    /// <summary>One SHA-256 over each file's path and content hash, in order, and the settings by name.</summary>
    private string Of(IReadOnlyList<FileFacts> files, IReadOnlyDictionary<string, string?>? settings)
    {
        var text = new StringBuilder();
        foreach (var file in files) text.Append("file ").Append(file.Path).Append(' ').Append(file.Exists ? file.Sha256 : "-").Append('\n');
        foreach (var name in SettingNames)
            text.Append("setting ").Append(name).Append('=').Append(settings?.GetValueOrDefault(name) ?? "-").Append('\n');
        return Crypto.Fingerprints.Sha256Hex(Encoding.UTF8.GetBytes(text.ToString()));
    }
}
