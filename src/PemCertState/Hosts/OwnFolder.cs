using Microsoft.Win32.SafeHandles;

namespace PemCertState.Hosts;

/// <summary>
/// A folder of pemstate's own (0700, its account's) made inside a held folder under a random `.pemstate-&lt;hex&gt;` name and
/// held by its descriptor: nobody else can look a name up in it, so a file made or moved into it is the very file pemstate
/// acts on next. The held folder's owner can rename it away, but not reach into it: no swap of a name gains anything.
/// </summary>
internal sealed class OwnFolder : IDisposable
{
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly SafeFileHandle _parent;

    private OwnFolder(SafeFileHandle parent, string name, SafeFileHandle handle)
    {
        _parent = parent;
        Name = name;
        Handle = handle;
    }

    /// <summary>Its plain name in the held folder.</summary>
    public string Name { get; }

    /// <summary>Open for the *at calls that make, move and remove files in it.</summary>
    public SafeFileHandle Handle { get; }

    /// <param name="host">The host and <paramref name="path"/> (the file it is made for) and <paramref name="what"/> name a failure.</param>
    /// <exception cref="IOException">mkdirat failed (<see cref="DescriptorException"/>), or the folder was swapped before it was opened.</exception>
    public static OwnFolder Make(string host, string path, SafeFileHandle parent, string what)
    {
        var name = $".pemstate-{Guid.NewGuid():N}";
        Descriptors.MkdirAt(parent, name, Mode);
        SafeFileHandle handle;
        try { handle = Descriptors.OpenAt(parent, name, Descriptors.ORdOnly | Descriptors.ODirectory | Descriptors.ONoFollow); }
        catch (DescriptorException e) when (e.Errno is Descriptors.ENOENT or Descriptors.ELOOP or Descriptors.ENOTDIR)
        {
            throw Replaced(host, path, what, name, e);
        }
        var own = new OwnFolder(parent, name, handle);
        try
        {
            // Another account cannot make a folder that is ours: if the name was swapped before we opened it, this says so.
            if (Descriptors.Status(handle) is not { Kind: FileKind.Folder } held || held.Uid != Posix.EffectiveUid)
                throw Replaced(host, path, what, name, null);
            Descriptors.ChangeMode(handle, Mode); // whatever the umask took
            return own;
        }
        catch
        {
            own.Dispose();
            throw;
        }
    }

    private static HostOperationException Replaced(string host, string path, string what, string name, Exception? inner) =>
        new(host, path, $"{what} failed: its private folder {name} was replaced by another account's before it was used", inner);

    /// <summary>Closes it and removes it when empty; by name, so at worst another account's empty folder put in its place goes instead.</summary>
    public void Dispose()
    {
        Handle.Dispose();
        try { Descriptors.UnlinkAt(_parent, Name, directory: true); }
        catch (IOException) { }
    }
}
