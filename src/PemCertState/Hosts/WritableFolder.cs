using PemCertState.Inventory;
namespace PemCertState.Hosts;

/// <summary>
/// A folder on the way to a managed file that an account other than root can change (OpenSSH's StrictModes question):
/// its owner, or the members of its group when it is group-writable, or anyone when it is world-writable without the
/// sticky bit. Whoever can change a folder can rename what is in it and put a link or a folder of their own there.
/// Reported as facts; whether that account may hold the keys below is the planner's judgement, from the inventory.
/// </summary>
/// <param name="Owner">User name of the folder's owner (the uid as text when unknown).</param>
/// <param name="Group">Group name when the folder is group-writable by a group other than root's; else null.</param>
/// <param name="WorldWritable">Writable by anyone, and no sticky bit to stop them renaming others' entries.</param>
public sealed record WritableFolder(string Path, string Owner, string? Group, bool WorldWritable, UnixFileMode Mode)
{
    /// <summary>The facts as a person reads them: "/home/pemagent (owner pemagent, 0755)".</summary>
    public override string ToString() => $"{Path} (owner {Owner}{(Group is null ? "" : $", group-writable by {Group}")}{(WorldWritable ? ", world-writable" : "")}, {FileModes.Format(Mode)})";

    /// <summary>Null when the folder can be changed only by root (or the account pemstate runs as): nothing to report.</summary>
    internal static WritableFolder? Of(string path, FileStatus folder)
    {
        var group = (folder.Mode & UnixFileMode.GroupWrite) != 0 && folder.Gid != 0 ? Posix.GroupName(folder.Gid) : null;
        var world = (folder.Mode & UnixFileMode.OtherWrite) != 0 && (folder.Mode & UnixFileMode.StickyBit) == 0;
        var ownerTrusted = folder.Uid == 0 || folder.Uid == Posix.EffectiveUid;
        return ownerTrusted && group is null && !world ? null : new WritableFolder(path, Posix.UserName(folder.Uid), group, world, folder.Mode);
    }
}
