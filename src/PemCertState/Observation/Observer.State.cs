using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Observation;

internal sealed partial class Observer
{
    /// <summary>
    /// A state file in the state folder and where an older pemstate kept it in data_dir, read at once, each up to the bound
    /// of pemstate's own state files (the journal and the agent ledger grow with the fleet).
    /// </summary>
    private async Task<(FileSnapshot Current, FileSnapshot Legacy)> ReadStateFileAsync(ServerSpec server, string path, string legacyPath, CancellationToken ct)
    {
        var host = hosts[server.Host];
        var current = host.ReadAsync(path, FileLimits.State, ct);
        var legacy = host.ReadAsync(legacyPath, FileLimits.State, ct);
        return (await current.ConfigureAwait(false), await legacy.ConfigureAwait(false));
    }

    /// <summary>
    /// Whether the state folder may be written (from the journal's read, which reports the folders on the way that
    /// another account can change), the apply locks there, and what an older pemstate left in data_dir. Old backup sets
    /// are input from a folder the database account owns: only a set whose manifest passes the rollback checks and whose
    /// every copy has its recorded SHA-256 may move into the state folder, where pemstate will trust it; the others are
    /// named and left alone.
    /// </summary>
    private async Task<ObservedStateFolder> ObserveStateFolderAsync(DesiredState desired, FileSnapshot journal, FileSnapshot legacyJournal, CancellationToken ct)
    {
        var server = desired.Server;
        var host = hosts[server.Host];
        var ledger = host.ReadAsync(AgentLedger.LegacyPathFor(server), ct);
        var locks = ObservedLock.InspectAsync(host, server, ct);
        var sets = new List<BackupSet>();
        var refused = new List<string>();
        var folders = RestorableFiles.ByFolder(desired);
        // A folder another scope backs up into (web.backup_dir set to data_dir/certs) holds that scope's sets: not ours to move.
        if (server.LegacyBackupDir is { } legacyDir && !folders.ContainsKey((server.Host, legacyDir))
            && folders.TryGetValue((server.Host, server.BackupDir), out var restorable))
        {
            IReadOnlyList<string> names;
            try { names = await host.ListAsync(legacyDir, ct).ConfigureAwait(false); }
            catch (HostOperationException e)
            {
                names = [];
                refused.Add($"{server.Host}:{legacyDir}: {e.Message}");
            }
            // Only names pemstate gives its sets: anything else there is the person's own (EDB's manual backups).
            foreach (var name in names.Where(BackupManifestReader.IsBackupId))
            {
                var folder = Path.Combine(legacyDir, name);
                var manifestPath = Path.Combine(folder, "manifest.json");
                try
                {
                    var manifest = await host.ReadAsync(manifestPath, ct).ConfigureAwait(false);
                    if (!manifest.Exists) continue; // a folder of the person's own (EDB's manual backups): not pemstate's
                    var (set, problems) = BackupManifestReader.Read(manifest.Content, server.Host, folder, restorable);
                    if (set is not null && await CopyProblemAsync(host, set, ct).ConfigureAwait(false) is { } copy) problems = [copy];
                    if (problems.Count == 0) sets.Add(set!);
                    else refused.Add($"{server.Host}:{manifestPath}: {string.Join("; ", problems)}");
                }
                catch (HostOperationException e)
                {
                    refused.Add($"{server.Host}:{manifestPath}: {e.Message}");
                }
            }
        }
        static string? Existing(FileSnapshot file) => file.Exists ? file.Path : null;
        var found = await locks.ConfigureAwait(false);
        var legacyLock = StateFiles.LegacyLock(server);
        return new ObservedStateFolder(server.StateDir, journal.WritableFolders,
            Existing(legacyJournal), Existing(await ledger.ConfigureAwait(false)), found.Any(l => l.Path == legacyLock) ? legacyLock : null,
            [.. sets.OrderBy(s => s.Id, StringComparer.Ordinal)], refused, found) { JournalSha256 = journal.Sha256 };
    }

    /// <summary>Null when every copy of the set is there with the SHA-256 its manifest records; else the first that is not.</summary>
    private static async Task<string?> CopyProblemAsync(IHost host, BackupSet set, CancellationToken ct)
    {
        foreach (var entry in set.Files)
        {
            var copy = await host.ReadAsync(Path.Combine(set.Folder, entry.BackupFile), ct).ConfigureAwait(false);
            if (!copy.Exists) return $"{entry.BackupFile} is missing";
            if (copy.Sha256 != entry.Sha256) return $"{entry.BackupFile} does not have the SHA-256 its manifest records";
        }
        return null;
    }
}
