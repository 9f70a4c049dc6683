using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Observation;

/// <summary>
/// Where an interrupted write of pemstate's can leave something: the folders of the files it writes, from the inventory only
/// (never from what is found on a host). Scanned on every plan for leftovers; nothing outside them is looked at or removed.
/// </summary>
internal static class ManagedFolders
{
    /// <summary>data_dir, the state folder, each agent's cert_dir and agent.cfg's folder, the web files' folders; one entry a folder, names and owners merged.</summary>
    public static IReadOnlyList<ManagedFolder> Of(DesiredState desired)
    {
        var folders = new Folders();
        var server = desired.Server;
        foreach (var (host, path, owner) in StagedFiles.Of(desired)) folders.AddStaged(host, path, owner);
        folders.Add(server.Host, server.DataDir, server.Owner,
            PemFiles.CaKey, PemFiles.CaCertificate, PemFiles.RootBundle, PemFiles.RootCrl, PemFiles.ServerKey, PemFiles.ServerCertificate,
            PemFiles.PostgresqlConf, Path.GetFileName(PendingFiles.ServerKey(server)),
            // What a pemstate from before state_dir kept (and wrote) in data_dir.
            StateFiles.LegacyJournalName, AgentLedger.LegacyFileName);
        folders.Add(server.Host, server.StateDir, null, StateFiles.JournalName, AgentLedger.FileName);
        foreach (var agent in desired.Agents.List)
        {
            folders.AddFile(agent.Host, PemFiles.AgentKey(desired.Agents, agent), agent.Owner);
            folders.AddFile(agent.Host, PemFiles.AgentCertificate(desired.Agents, agent), agent.Owner);
            folders.AddFile(agent.Host, PendingFiles.AgentKey(desired.Agents, agent), agent.Owner);
            folders.AddFile(agent.Host, agent.Config, agent.Owner);
        }
        if (desired.Web is { } web)
        {
            foreach (var file in new[] { web.KeyFile, web.CertificateFile, web.ChainFile, web.Config, PendingFiles.WebKey(web) }.OfType<string>())
                folders.AddFile(web.Host, file, web.Owner);
        }
        return folders.ToList();
    }

    /// <summary>
    /// The folders of backup id <paramref name="id"/> in every backup folder: where a run of that id copied files (each
    /// under its own name, or name.1, name.2 when two share one) and wrote manifest.json. Root's files only.
    /// </summary>
    public static IReadOnlyList<ManagedFolder> BackupSet(DesiredState desired, string id)
    {
        var folders = new Folders();
        foreach (var ((host, dir), files) in RestorableFiles.ByFolder(desired))
        {
            var names = files.Keys.Select(Path.GetFileName).OfType<string>().ToList();
            folders.Add(host, Path.Combine(dir, id), null,
                ["manifest.json", .. names, .. names.SelectMany(n => Enumerable.Range(1, names.Count).Select(i => $"{n}.{i}"))]);
        }
        return folders.ToList();
    }

    private sealed class Folders
    {
        private readonly Dictionary<(string Host, string Path), (HashSet<string> Names, HashSet<string> Owners, HashSet<string> Staged)> _folders = [];

        public void AddFile(string host, string path, string? owner) =>
            Add(host, Path.GetDirectoryName(path)!, owner, Path.GetFileName(path));

        /// <summary>A staged copy is a name pemstate writes there too (through its private folder), and one it may find left whole.</summary>
        public void AddStaged(string host, string path, string? owner)
        {
            AddFile(host, path, owner);
            _folders[(host, Path.GetDirectoryName(path)!)].Staged.Add(Path.GetFileName(path));
        }

        public void Add(string host, string folder, string? owner, params string[] names)
        {
            if (!_folders.TryGetValue((host, folder), out var known))
                _folders[(host, folder)] = known = (new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal) { "root" }, new HashSet<string>(StringComparer.Ordinal));
            known.Names.UnionWith(names);
            if (owner is not null) known.Owners.Add(owner);
        }

        public List<ManagedFolder> ToList() =>
            [.. _folders.OrderBy(f => f.Key.Host, StringComparer.Ordinal).ThenBy(f => f.Key.Path, StringComparer.Ordinal)
                .Select(f => new ManagedFolder(f.Key.Host, f.Key.Path, f.Value.Names, f.Value.Owners, f.Value.Staged))];
    }
}
