using PemCertState.Inventory;

namespace PemCertState.State;

/// <summary>
/// For each backup folder (host and folder), the files a set found there may put back. An agent's folder restores that
/// agent's files only, the server's folder the server's, the web folder the web server's: an agent's account, which owns
/// its cert_dir, must not reach the server's key or root.crt through a manifest planted in its own folder.
/// </summary>
internal static class RestorableFiles
{
    public static IReadOnlyDictionary<(string Host, string Folder), IReadOnlyDictionary<string, RestorableFile>> ByFolder(DesiredState desired)
    {
        var folders = new Dictionary<(string Host, string Folder), Dictionary<string, RestorableFile>>();
        void Add(string host, string folder, ResourceAddress address, string path, bool isKey, string? owner, params ResourceAddress[] more)
        {
            if (!folders.TryGetValue((host, folder), out var files)) folders[(host, folder)] = files = new(StringComparer.Ordinal);
            var addresses = new HashSet<ResourceAddress> { address };
            addresses.UnionWith(more);
            // Two scopes sharing a folder (web.backup_dir = the server's) may both name a file: the union of what they allow.
            if (files.TryGetValue(path, out var earlier)) addresses.UnionWith(earlier.Addresses);
            files[path] = new RestorableFile(host, path, addresses, isKey || earlier?.IsKey == true, owner ?? earlier?.Owner);
        }

        var server = desired.Server;
        Add(server.Host, server.BackupDir, Addresses.Ca, PemFiles.InDataDir(server, PemFiles.CaKey), true, server.Owner);
        Add(server.Host, server.BackupDir, Addresses.Ca, PemFiles.InDataDir(server, PemFiles.CaCertificate), false, server.Owner);
        Add(server.Host, server.BackupDir, Addresses.RootBundle, PemFiles.InDataDir(server, PemFiles.RootBundle), false, server.Owner);
        Add(server.Host, server.BackupDir, Addresses.RootCrl, PemFiles.InDataDir(server, PemFiles.RootCrl), false, server.Owner);
        Add(server.Host, server.BackupDir, Addresses.ServerCertificate, PemFiles.InDataDir(server, PemFiles.ServerKey), true, server.Owner);
        Add(server.Host, server.BackupDir, Addresses.ServerCertificate, PemFiles.InDataDir(server, PemFiles.ServerCertificate), false, server.Owner);
        Add(server.Host, server.BackupDir, Addresses.ServerSettings, PemFiles.InDataDir(server, PemFiles.PostgresqlConf), false, server.Owner);

        var agents = desired.Agents;
        foreach (var agent in agents.List)
        {
            var folder = PemFiles.AgentBackupDir(agent);
            var address = Addresses.AgentCertificate(agent.Id);
            Add(agent.Host, folder, address, PemFiles.AgentKey(agents, agent), true, agent.Owner, Addresses.CommonAgentCertificate);
            Add(agent.Host, folder, address, PemFiles.AgentCertificate(agents, agent), false, agent.Owner, Addresses.CommonAgentCertificate);
            Add(agent.Host, folder, Addresses.AgentSettings(agent.Id), agent.Config, false, agent.Owner);
            // The other agents.user mode's pair, which a change of mode backs up before removing it (issue 20, item 6).
            var other = agents with { User = agents.User == AgentUserMode.Common ? AgentUserMode.PerAgent : AgentUserMode.Common };
            Add(agent.Host, folder, address, PemFiles.AgentKey(other, agent), true, agent.Owner);
            Add(agent.Host, folder, address, PemFiles.AgentCertificate(other, agent), false, agent.Owner);
        }

        if (desired.Web is { } web)
        {
            Add(web.Host, web.BackupDir, Addresses.WebCertificate, web.KeyFile, true, web.Owner);
            Add(web.Host, web.BackupDir, Addresses.WebCertificate, web.CertificateFile, false, web.Owner);
            if (web.ChainFile is { } chain) Add(web.Host, web.BackupDir, Addresses.WebCertificate, chain, false, web.Owner);
            Add(web.Host, web.BackupDir, Addresses.WebSettings, web.Config, false, web.Owner);
        }
        return folders.ToDictionary(f => f.Key, f => (IReadOnlyDictionary<string, RestorableFile>)f.Value);
    }
}
