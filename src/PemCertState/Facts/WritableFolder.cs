using PemCertState.Inventory;
namespace PemCertState.Facts;

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
}
