using System.Text.Json;
using PemCertState.Crypto;
using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Execution;

/// <summary>
/// What a rollback checks on the hosts before it writes anything: every backup copy is there with the SHA-256 its
/// manifest records, and every owner it would give a file is one that file may have. One bad entry refuses the whole
/// rollback, so that nothing is half restored from a set someone tampered with.
/// </summary>
public static class RollbackPreflight
{
    /// <summary>The problems, each naming the host, the manifest and the entry; empty when the rollback may go ahead.</summary>
    public static async Task<IReadOnlyList<RefusedBackup>> CheckAsync(DesiredState desired, HostSet hosts, IReadOnlyList<BackupSet> sets, CancellationToken ct)
    {
        var byFolder = RestorableFiles.ByFolder(desired);
        var refused = new List<RefusedBackup>();
        foreach (var set in sets)
        {
            var host = hosts[set.Host];
            var scope = byFolder[(set.Host, Path.GetDirectoryName(set.Folder)!)];
            // An owner is acceptable when the inventory declares it, or when a file of this folder's scope already has it:
            // that account holds those files now, so giving it one back gains it nothing.
            var current = new Dictionary<string, FileSnapshot>(StringComparer.Ordinal);
            foreach (var path in scope.Keys) current[path] = await host.ReadAsync(path, ct).ConfigureAwait(false);
            var owners = current.Values.Where(f => f.Exists).Select(f => f.Owner).OfType<string>().ToHashSet(StringComparer.Ordinal);
            owners.UnionWith(scope.Values.Select(f => f.Owner).OfType<string>());
            owners.Add("root");

            var problems = new List<string>();
            foreach (var entry in set.Files)
            {
                var label = $"entry {JsonText.Quote(entry.Path)} (backup_file {JsonText.Quote(entry.BackupFile)})";
                var copy = await host.ReadAsync(Path.Combine(set.Folder, entry.BackupFile), ct).ConfigureAwait(false);
                if (!copy.Exists) problems.Add($"{label}: the backup copy is missing");
                else if (copy.Sha256 != entry.Sha256) problems.Add($"{label}: the backup copy does not have the SHA-256 the manifest records");
                if (entry.Owner is { } owner && !owners.Contains(owner))
                    problems.Add($"{label}: owner {JsonText.Quote(owner)} is neither the inventory's owner nor one the managed files of this folder have now");
            }
            if (problems.Count > 0) refused.Add(new RefusedBackup(set.Id, set.Host, Path.Combine(set.Folder, "manifest.json"), problems));
        }
        return refused;
    }
}
