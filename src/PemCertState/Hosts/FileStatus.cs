namespace PemCertState.Hosts;

/// <summary>What a descriptor or a name refers to: kind, permission bits, owner, link count and size.</summary>
internal readonly record struct FileStatus(UnixFileMode Mode, FileKind Kind, uint Uid, uint Gid, uint Links, long Size)
{
    /// <summary>Writable by someone other than its owner (group or world write bit).</summary>
    public bool WritableByOthers => (Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;
}
