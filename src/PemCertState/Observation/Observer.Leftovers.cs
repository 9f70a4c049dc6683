using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Observation;

internal sealed partial class Observer
{
    /// <summary>
    /// What interrupted writes left, as the reads of the managed files found it in their folders (each read lists the folder
    /// it holds: no folder is walked to again), and, when the last run was interrupted, in the folders of the backup id it
    /// was writing, where a folder without manifest.json is an incomplete set. Only managed folders count: what a read of
    /// another file (a retired agent's) finds is not pemstate's business here.
    /// </summary>
    private async Task<(IReadOnlyList<ObservedLeftover> Leftovers, IReadOnlyList<IncompleteBackup> Incomplete)> ObserveLeftoversAsync(
        DesiredState desired, IEnumerable<FileFacts> read, ObservedJournal? lastRun, FileSnapshot journal, CancellationToken ct)
    {
        var managed = ManagedFolders.Of(desired).Select(f => (f.Host, f.Path)).ToHashSet();
        var found = new Dictionary<(string Host, string Folder), IReadOnlyList<LeftoverEntry>>();
        foreach (var (host, path, leftovers) in read.Select(f => (f.Host, f.Path, f.Leftovers)).Append((journal.Host, journal.Path, journal.Leftovers)))
            if (leftovers is not null && Path.GetDirectoryName(path) is { } folder && managed.Contains((host, folder))) found.TryAdd((host, folder), leftovers);

        var incomplete = new List<IncompleteBackup>();
        if (lastRun is { Finished: false, BackupId: { } id })
        {
            var sets = ManagedFolders.BackupSet(desired, id);
            var manifests = await Task.WhenAll(sets.Select(f => ManifestAsync(f, ct))).ConfigureAwait(false);
            foreach (var (set, manifest) in sets.Zip(manifests))
            {
                if (manifest?.Leftovers is not { } leftovers) continue; // that run wrote nothing in this backup folder
                found.TryAdd((set.Host, set.Path), leftovers);
                if (!manifest.Exists) incomplete.Add(new IncompleteBackup(id, set.Host, set.Path));
            }
        }
        return ([.. found.SelectMany(f => f.Value.Select(e => new ObservedLeftover(f.Key.Host, f.Key.Folder, e)))], incomplete);
    }

    /// <summary>A set folder's manifest.json, or null when something refused is there (a link, a FIFO): then the folder is not
    /// simply a set of pemstate's left without its manifest, and `pemstate backups` names what is wrong with it.</summary>
    private async Task<FileSnapshot?> ManifestAsync(ManagedFolder set, CancellationToken ct)
    {
        try { return await hosts[set.Host].ReadAsync(Path.Combine(set.Path, "manifest.json"), ct).ConfigureAwait(false); }
        catch (HostOperationException) { return null; }
    }
}
