using Microsoft.Win32.SafeHandles;
using PemCertState.Facts;

namespace PemCertState.Hosts;

/// <summary>
/// An open folder on the local host, reached from "/" one name at a time with O_NOFOLLOW, so that every later
/// operation inside it (openat, renameat, unlinkat) acts on this folder whatever happens to its path meanwhile.
/// </summary>
/// <remarks>
/// A symbolic link on the way is followed only where nobody but root (or the account pemstate runs as) could have put
/// it: the link and the folder holding it belong to that account and the folder is not group- or world-writable, as
/// with /var/lib/pgsql -> /data/pgsql made by an administrator. A link in a folder that another account can change
/// (an agent's home, a data_dir owned by postgres, /tmp) is refused with its path, never followed.
/// </remarks>
internal sealed class FolderHandle : IDisposable
{
    private const int MaxLinks = 40;

    private FolderHandle(SafeFileHandle handle, string path)
    {
        Handle = handle;
        Path = path;
    }

    /// <summary>Open for reading (listing, fsync) and as the base of *at calls.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The path it was opened by, for messages.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="path"/> (absolute). Null when a part of it is missing and <paramref name="create"/> is
    /// false; with it, missing folders are made with <paramref name="createMode"/>.
    /// </summary>
    /// <exception cref="HostOperationException">A part of the path is a link pemstate will not follow, or not a folder.</exception>
    /// <param name="writable">When given, receives every folder on the way (from "/" to the last one reached) that an
    /// account other than root can change; filled even when the path turns out to be missing.</param>
    public static FolderHandle? Open(string host, string path, bool create = false, UnixFileMode createMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
        List<WritableFolder>? writable = null)
    {
        if (!System.IO.Path.IsPathRooted(path)) throw new HostOperationException(host, path, "is not an absolute path");
        var pending = new LinkedList<string>(Components(path));
        var current = Descriptors.OpenAt(null, "/", Descriptors.OPath | Descriptors.ODirectory);
        var reached = "/";
        var links = 0;
        try
        {
            Note(writable, reached, current);
            while (pending.First is { } first)
            {
                var name = first.Value;
                pending.RemoveFirst();
                SafeFileHandle next;
                try
                {
                    next = Descriptors.OpenAt(current, name, Descriptors.OPath | Descriptors.ODirectory | Descriptors.ONoFollow);
                }
                catch (DescriptorException e) when (e.Errno == Descriptors.ENOENT)
                {
                    if (!create) return null;
                    try { Descriptors.MkdirAt(current, name, createMode); }
                    catch (DescriptorException again) when (again.Errno == Descriptors.EEXIST) { }
                    next = Descriptors.OpenAt(current, name, Descriptors.OPath | Descriptors.ODirectory | Descriptors.ONoFollow);
                }
                catch (DescriptorException e) when (e.Errno is Descriptors.ENOTDIR or Descriptors.ELOOP)
                {
                    var at = Join(reached, name);
                    var status = Descriptors.StatusOfName(current, name);
                    if (status is not { Kind: FileKind.SymbolicLink } link)
                        throw new HostOperationException(host, path, $"{at} is not a folder");
                    var holder = Descriptors.Status(current);
                    if (!Trusted(holder) || !TrustedOwner(link.Uid))
                        throw ManagedFileRefusals.UntrustedLink(host, path, at, Posix.UserName(holder.Uid), Posix.UserName(link.Uid));
                    if (++links > MaxLinks) throw new HostOperationException(host, path, "too many levels of symbolic links");
                    var target = Descriptors.ReadLinkAt(current, name);
                    foreach (var part in Components(target).Reverse()) pending.AddFirst(part);
                    if (target.StartsWith('/'))
                    {
                        current.Dispose();
                        current = Descriptors.OpenAt(null, "/", Descriptors.OPath | Descriptors.ODirectory);
                        reached = "/";
                    }
                    continue;
                }
                current.Dispose();
                current = next;
                reached = name == ".." ? System.IO.Path.GetDirectoryName(reached) ?? "/" : Join(reached, name);
                Note(writable, reached, current);
            }
            var opened = Descriptors.OpenAt(current, ".", Descriptors.ORdOnly | Descriptors.ODirectory);
            return new FolderHandle(opened, path);
        }
        catch (DescriptorException e)
        {
            throw new HostOperationException(host, path, e.Message, e);
        }
        finally
        {
            current.Dispose();
        }
    }

    private static void Note(List<WritableFolder>? writable, string path, SafeFileHandle folder)
    {
        if (writable is not null && WritableFolderOf(path, Descriptors.Status(folder)) is { } concern) writable.Add(concern);
    }

    /// <summary>Owned by root (or by the account pemstate runs as) and writable by nobody else.</summary>
    public static bool Trusted(FileStatus folder) => TrustedOwner(folder.Uid) && !folder.WritableByOthers;

    private static bool TrustedOwner(uint uid) => uid == 0 || uid == Posix.EffectiveUid;

    private static IEnumerable<string> Components(string path)
        => path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".");

    private static string Join(string folder, string name) => folder.EndsWith('/') ? folder + name : folder + "/" + name;

    public void Dispose() => Handle.Dispose();

    /// <summary>Null when the folder can be changed only by root (or the account pemstate runs as): nothing to report.</summary>
    private static WritableFolder? WritableFolderOf(string path, FileStatus folder)
    {
        var group = (folder.Mode & UnixFileMode.GroupWrite) != 0 && folder.Gid != 0 ? Posix.GroupName(folder.Gid) : null;
        var world = (folder.Mode & UnixFileMode.OtherWrite) != 0 && (folder.Mode & UnixFileMode.StickyBit) == 0;
        var ownerTrusted = folder.Uid == 0 || folder.Uid == Posix.EffectiveUid;
        return ownerTrusted && group is null && !world ? null : new WritableFolder(path, Posix.UserName(folder.Uid), group, world, folder.Mode);
    }
}
