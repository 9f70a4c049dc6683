using System.Text.Json;
using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Execution;

/// <summary>Finds the backup sets every apply left: the server's backup_dir, each agent's cert_dir/certs and web.backup_dir.</summary>
public static class BackupCatalog
{
    private static readonly JsonSerializerOptions ManifestJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Deletes every backup id but the newest <paramref name="keep"/>, on every host; returns the folders removed.</summary>
    public static async Task<IReadOnlyList<string>> PruneAsync(DesiredState desired, HostSet hosts, int keep, CancellationToken ct)
    {
        var sets = await ListAsync(desired, hosts, ct).ConfigureAwait(false);
        var ids = sets.GroupBy(s => s.Id).Select(g => (g.Key, Newest: g.Max(s => s.CreatedAt))).OrderBy(x => x.Newest).Select(x => x.Key).ToList();
        var doomed = ids.Take(Math.Max(0, ids.Count - keep)).ToHashSet(StringComparer.Ordinal);
        var removed = new List<string>();
        foreach (var set in sets.Where(s => doomed.Contains(s.Id)))
        {
            await hosts[set.Host].DeleteDirectoryAsync(set.Folder, ct).ConfigureAwait(false);
            removed.Add($"{set.Host}:{set.Folder}");
        }
        return removed;
    }

    /// <summary>Every set, oldest first; a folder without a readable manifest is not a set and is left alone.</summary>
    public static async Task<IReadOnlyList<BackupSet>> ListAsync(DesiredState desired, HostSet hosts, CancellationToken ct)
    {
        var folders = new List<(string Host, string Dir)> { (desired.Server.Host, desired.Server.BackupDir) };
        folders.AddRange(desired.Agents.List.Select(a => (a.Host, PemFiles.AgentBackupDir(a))));
        if (desired.Web is { } web) folders.Add((web.Host, web.BackupDir));
        var sets = new List<BackupSet>();
        foreach (var (hostName, dir) in folders.Distinct())
        {
            var host = hosts[hostName];
            foreach (var name in await host.ListAsync(dir, ct).ConfigureAwait(false))
            {
                var folder = Path.Combine(dir, name);
                var manifest = await host.ReadAsync(Path.Combine(folder, "manifest.json"), ct).ConfigureAwait(false);
                if (!manifest.Exists) continue;
                BackupManifest? parsed;
                try { parsed = JsonSerializer.Deserialize<BackupManifest>(manifest.Content, ManifestJson); }
                catch (JsonException) { continue; }
                if (parsed is null) continue;
                sets.Add(new BackupSet(parsed.Id, parsed.CreatedAt, hostName, folder, parsed.Files));
            }
        }
        return sets.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).ThenBy(s => s.Folder, StringComparer.Ordinal).ToList();
    }
}
