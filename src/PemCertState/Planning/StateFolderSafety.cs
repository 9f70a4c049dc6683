using PemCertState.Facts;

namespace PemCertState.Planning;

/// <summary>
/// server.state_dir holds what pemstate trusts (the journal, the agent ledger, the backup manifests and copies) and
/// the lock: only root may be able to change it or any folder above it. Stricter than <see cref="FolderSafety"/>:
/// hosts.NAME.trusted_accounts does not count here, since no account but root has any business in that folder.
/// </summary>
internal static class StateFolderSafety
{
    /// <summary>Why the state folder cannot be used, naming the host, the folders and their owners and modes; null when it can.</summary>
    /// <param name="writable">What a read of a file in the state folder reported (<see cref="FileSnapshot.WritableFolders"/>).</param>
    public static string? Problem(string host, string stateDir, IReadOnlyList<WritableFolder> writable)
    {
        if (writable.Count == 0) return null;
        var folders = string.Join("; ", writable.Select(w => w.ToString()));
        return $"{host}: state folder {stateDir} (server.state_dir) can be changed by an account other than root: {folders}. "
            + "pemstate keeps its journal, agent ledger, lock and backups there; make the folder and every folder above it root's "
            + "and writable by nobody else, or set server.state_dir to such a folder";
    }
}
