using PemCertState.Facts;
namespace PemCertState.Hosts;

/// <summary>
/// The words for what pemstate refuses at a managed path, shared by the local host (which finds it through its own
/// descriptors) and the SSH host (whose remote program reports it), so that a plan reads the same whichever host it is.
/// </summary>
internal static class ManagedFileRefusals
{
    public static HostOperationException NotRegular(string host, string path, FileKind kind) => kind == FileKind.SymbolicLink
        ? LinkRefused(host, path)
        : new HostOperationException(host, path, $"is a {Describe(kind)}, not a regular file; pemstate reads and writes only regular files at a managed path");

    public static HostOperationException LinkRefused(string host, string path)
        => new(host, path, "is a symbolic link; pemstate never follows a link at a managed path (remove it, or point the inventory at the real file)");

    /// <summary>A copy's source or a signing key no longer holds what pemstate saw: nothing is done with what is there now.</summary>
    public static HostOperationException Changed(string host, string path, bool exists)
        => new(host, path, exists
            ? "changed since pemstate read it (another SHA-256); nothing was done with it, run plan again"
            : "is gone since pemstate read it; nothing was done, run plan again");

    public static HostOperationException TooLarge(string host, string path, long size, long limit)
        => new(host, path, $"is {size} bytes, more than the {limit} a managed file may hold; not read");

    public static HostOperationException GrewTooLarge(string host, string path, long limit)
        => new(host, path, $"grew past the {limit} bytes a managed file may hold while being read; not read");

    public static HostOperationException HardLinks(string host, string path, long links)
        => new(host, path, $"has {links} hard links; pemstate changes, copies or signs with a file only where this is its one name (another may be a file only root should reach)");

    /// <param name="at">The link on the way to <paramref name="path"/>.</param>
    /// <param name="holder">Owner of the folder that holds the link.</param>
    /// <param name="owner">Owner of the link.</param>
    public static HostOperationException UntrustedLink(string host, string path, string at, string holder, string owner)
        => new(host, path, $"{at} is a symbolic link in a folder that {holder} can change (owner {owner}); pemstate does not follow links there");

    /// <param name="why">What about it fails its <see cref="LeftoverProof"/>.</param>
    public static HostOperationException NotLeftover(string host, string path, string why)
        => new(host, path, $"not removed: {why}, so pemstate cannot tell it made it (nothing was removed)");

    /// <summary>A private folder's files were removed, and rmdir by its name met another account's folder, put there meanwhile.</summary>
    public static HostOperationException LeftoverTaken(string host, string path)
        => new(host, path, "its files were removed, but another account's folder took its name before the folder itself went; that one is left alone");

    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Fifo => "FIFO",
        FileKind.CharacterDevice => "character device",
        FileKind.BlockDevice => "block device",
        FileKind.Socket => "socket",
        FileKind.Folder => "folder",
        FileKind.SymbolicLink => "symbolic link",
        _ => "special file",
    };
}
