namespace PemCertState.Hosts;

/// <summary>What a descriptor or a name refers to: kind, permission bits, owner, link count, size, and which file it is.</summary>
/// <param name="Inode">With <paramref name="Device"/>, which file this is: the same pair is the same file.</param>
internal readonly record struct FileStatus(UnixFileMode Mode, FileKind Kind, uint Uid, uint Gid, uint Links, long Size, ulong Inode = 0, ulong Device = 0)
{
    /// <summary>The same file as <paramref name="other"/> (same inode on the same device).</summary>
    public bool SameFileAs(FileStatus other) => Inode == other.Inode && Device == other.Device;

    /// <summary>Writable by someone other than its owner (group or world write bit).</summary>
    public bool WritableByOthers => (Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;
}
