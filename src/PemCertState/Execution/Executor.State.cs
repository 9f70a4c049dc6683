using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Execution;

internal sealed partial class Executor
{
    /// <summary>
    /// Moves what an older pemstate left in data_dir into the state folder, then deletes it there. Everything is read
    /// again through the host as untrusted input (the database account owns data_dir): nothing is copied that the
    /// journal, ledger or manifest checks do not accept, and the paths come from the inventory, never from the step.
    /// Repeatable: a move that stopped half-way is finished by the next apply, which finds the old files still there.
    /// </summary>
    private static async Task MoveStateAsync(MoveStateStep step, IHost host, Run run, CancellationToken ct)
    {
        var server = run.Desired.Server;
        var from = step.From;
        await host.EnsureDirectoryAsync(server.StateDir, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        if (from == ApplyLock.LegacyPathFor(server))
        {
            // The apply lock took it over (or refused) already; still here means no lock was taken, and its holder may run.
            if ((await host.ReadAsync(from, ct).ConfigureAwait(false)).Exists)
                throw new StepFailedException($"{from} is still there: an older pemstate may hold it. `pemstate apply` takes it over (with --break-lock once its process is gone)");
        }
        else if (from == Journal.LegacyPathFor(server))
        {
            // This apply's own journal is already in the state folder, and its plan carries the restarts the old one owed:
            // the old journal is copied only when there is none (an executor run without a journal).
            await MoveFileAsync(host, from, Journal.PathFor(server), content => JournalReader.Read(content) is null ? null : content, ct).ConfigureAwait(false);
        }
        else if (from == AgentLedger.LegacyPathFor(server))
        {
            await MoveFileAsync(host, from, AgentLedger.PathFor(server), content => AgentLedger.Parse(content).Ledger?.ToBytes(), ct).ConfigureAwait(false);
        }
        else if (server.LegacyBackupDir is { } legacyDir && Path.GetDirectoryName(from) == legacyDir)
        {
            await MoveBackupSetAsync(host, run, from, Path.Combine(server.BackupDir, Path.GetFileName(from)), ct).ConfigureAwait(false);
        }
        else
        {
            throw new StepFailedException($"{from} is not where an older pemstate kept its state; nothing moved");
        }
    }

    /// <summary>
    /// Writes what <paramref name="accept"/> makes of the old file (null: nothing worth keeping) unless the state folder has
    /// one already, then deletes the old one. Both are state files (journal, agent ledger), read up to their bound.
    /// </summary>
    private static async Task MoveFileAsync(IHost host, string from, string to, Func<byte[], byte[]?> accept, CancellationToken ct)
    {
        var old = await host.ReadAsync(from, FileLimits.State, ct).ConfigureAwait(false);
        if (!old.Exists) return;
        if (!(await host.ReadAsync(to, FileLimits.State, ct).ConfigureAwait(false)).Exists && accept(old.Content) is { } kept)
            await host.WriteAtomicAsync(to, kept, FileModes.Private, null, ct).ConfigureAwait(false);
        await host.DeleteAsync(from, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One old backup set, file by file: its manifest must pass the rollback checks for the server's backup folder, and every
    /// copy, named by a plain file name in it, must have its recorded SHA-256. The copies are written first, the manifest
    /// last (a set without its manifest is not a set), and only then are the old ones deleted; anything else in the old
    /// folder stays, and with it the folder.
    /// </summary>
    private static async Task MoveBackupSetAsync(IHost host, Run run, string from, string to, CancellationToken ct)
    {
        var server = run.Desired.Server;
        var manifestPath = Path.Combine(from, "manifest.json");
        var manifest = await host.ReadAsync(manifestPath, ct).ConfigureAwait(false);
        if (!manifest.Exists) throw new StepFailedException($"{manifestPath} is gone; nothing moved");
        if (!RestorableFiles.ByFolder(run.Desired).TryGetValue((server.Host, server.BackupDir), out var restorable))
            throw new StepFailedException($"the server's backup folder {server.BackupDir} restores no file; nothing moved");
        var (set, problems) = BackupManifestReader.Read(manifest.Content, server.Host, from, restorable);
        if (set is null) throw new StepFailedException($"{manifestPath}: {string.Join("; ", problems)}; nothing moved");
        var there = await host.ReadAsync(Path.Combine(to, "manifest.json"), ct).ConfigureAwait(false);
        if (there.Exists && !there.Content.AsSpan().SequenceEqual(manifest.Content))
            throw new StepFailedException($"{to} already holds another backup set of id {set.Id}; nothing moved");

        var copies = new List<(string Name, string Sha256)>();
        foreach (var entry in set.Files)
        {
            var copy = await host.ReadAsync(Path.Combine(from, entry.BackupFile), ct).ConfigureAwait(false);
            if (!copy.Exists || copy.Sha256 != entry.Sha256)
                throw new StepFailedException($"{Path.Combine(from, entry.BackupFile)} is missing or does not have the SHA-256 its manifest records; nothing moved");
            copies.Add((entry.BackupFile, entry.Sha256));
        }
        await host.EnsureDirectoryAsync(to, FileModes.PrivateDirectory, ct).ConfigureAwait(false);
        // Copied on the host, each checked against its SHA-256 again as it is read: backed-up keys stay there.
        foreach (var (name, sha256) in copies)
            await host.CopyAsync(Path.Combine(from, name), sha256, Path.Combine(to, name), FileModes.Private, null, ct).ConfigureAwait(false);
        await host.WriteAtomicAsync(Path.Combine(to, "manifest.json"), manifest.Content, FileModes.Private, null, ct).ConfigureAwait(false);

        foreach (var (name, _) in copies) await host.DeleteAsync(Path.Combine(from, name), ct).ConfigureAwait(false);
        await host.DeleteAsync(manifestPath, ct).ConfigureAwait(false);
        if ((await host.ListAsync(from, ct).ConfigureAwait(false)).Count == 0) await host.DeleteDirectoryAsync(from, ct).ConfigureAwait(false);
        // pemstate made data_dir/certs (root's, 0700); once empty it would still stop pg_basebackup.
        var legacyDir = Path.GetDirectoryName(from)!;
        if ((await host.ListAsync(legacyDir, ct).ConfigureAwait(false)).Count == 0) await host.DeleteDirectoryAsync(legacyDir, ct).ConfigureAwait(false);
    }
}
