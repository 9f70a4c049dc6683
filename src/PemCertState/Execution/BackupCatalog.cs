using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Execution;

/// <summary>Finds the backup sets every apply left: the server's backup_dir, each agent's cert_dir/certs and web.backup_dir.</summary>
public static class BackupCatalog
{
    /// <summary>Deletes every backup id but the newest <paramref name="keep"/>, on every host; returns the folders removed.
    /// A refused folder is not a set: it is never deleted here (it may be evidence), only reported by the caller.</summary>
    /// <returns>The folders removed: all those beyond the newest <paramref name="keep"/> ids, or fewer when <paramref name="ct"/> stopped it.</returns>
    public static async Task<IReadOnlyList<string>> PruneAsync(DesiredState desired, HostSet hosts, int keep, CancellationToken ct)
    {
        var sets = (await ListAsync(desired, hosts, ct).ConfigureAwait(false)).Sets;
        var ids = sets.GroupBy(s => s.Id).Select(g => (g.Key, Newest: g.Max(s => s.CreatedAt))).OrderBy(x => x.Newest).Select(x => x.Key).ToList();
        var doomed = ids.Take(Math.Max(0, ids.Count - keep)).ToHashSet(StringComparer.Ordinal);
        var removed = new List<string>();
        foreach (var set in sets.Where(s => doomed.Contains(s.Id)))
        {
            // Stopped (Ctrl-C) between folders, never inside one: a half-deleted set would lose its manifest and its files.
            if (ct.IsCancellationRequested) break;
            await hosts[set.Host].DeleteDirectoryAsync(set.Folder, CancellationToken.None).ConfigureAwait(false);
            removed.Add($"{set.Host}:{set.Folder}");
        }
        return removed;
    }

    /// <summary>
    /// Every set that passes <see cref="BackupManifestReader"/>'s checks, oldest first, and every folder whose manifest
    /// does not, with what is wrong. A folder without a manifest is not a set: named like one, it is listed as incomplete
    /// (a run stopped while copying into it); named otherwise, it is the person's own (EDB's manual backups) and left alone.
    /// </summary>
    public static async Task<BackupCatalogResult> ListAsync(DesiredState desired, HostSet hosts, CancellationToken ct)
    {
        var sets = new List<BackupSet>();
        var refused = new List<RefusedBackup>();
        var incomplete = new List<IncompleteBackup>();
        foreach (var ((hostName, dir), restorable) in RestorableFiles.ByFolder(desired))
        {
            var host = hosts[hostName];
            foreach (var name in await host.ListAsync(dir, ct).ConfigureAwait(false))
            {
                var folder = Path.Combine(dir, name);
                var path = Path.Combine(folder, "manifest.json");
                var manifest = await host.ReadAsync(path, ct).ConfigureAwait(false);
                if (!manifest.Exists)
                {
                    // Listed, and its manifest read without a refusal: a folder.
                    if (BackupManifestReader.IsBackupId(name)) incomplete.Add(new IncompleteBackup(name, hostName, folder));
                    continue;
                }
                var (set, problems) = BackupManifestReader.Read(manifest.Content, hostName, folder, restorable);
                if (set is not null) sets.Add(set);
                else refused.Add(new RefusedBackup(name, hostName, path, problems));
            }
        }
        return new BackupCatalogResult(
            sets.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).ThenBy(s => s.Folder, StringComparer.Ordinal).ToList(),
            refused.OrderBy(r => r.Id, StringComparer.Ordinal).ThenBy(r => r.Manifest, StringComparer.Ordinal).ToList(),
            incomplete.OrderBy(i => i.Id, StringComparer.Ordinal).ThenBy(i => i.Host, StringComparer.Ordinal).ThenBy(i => i.Folder, StringComparer.Ordinal).ToList());
    }
}
