using System.Runtime.InteropServices;

namespace PemCertState.Hosts;

/// <summary>The few libc calls .NET has no API for: owner lookup (statx, getpwuid), chown, fsync of a folder, killing a process group.</summary>
internal static partial class Posix
{
    private const int AtFdCwd = -100;
    private const uint StatxMode = 0x2;
    private const uint StatxUid = 0x8;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, Span<byte> buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, uint owner, uint group);

    [LibraryImport("libc", SetLastError = true)]
    private static partial IntPtr getpwuid(uint uid);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial IntPtr getgrgid(uint gid);

    /// <summary>The account pemstate runs as.</summary>
    public static uint EffectiveUid { get; } = geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getpwnam(string name);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    /// <summary>SIGKILL to every process of group <paramref name="group"/>; false when none is left.</summary>
    public static bool KillGroup(int group) => group > 1 && kill(-group, 9 /* SIGKILL */) == 0;

    // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; ... } on 64-bit Linux.
    private static readonly int UidOffset = 2 * IntPtr.Size;

    private static readonly Lock NameLock = new();
    private static readonly Dictionary<uint, string> NamesByUid = [];

    /// <summary>The owner's uid, or null when the file does not exist.</summary>
    public static uint? OwnerUid(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, 0, StatxUid, buffer) != 0) return null;
        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid ...
        return BitConverter.ToUInt32(buffer[20..24]);
    }

    /// <summary>Mode bits and owner uid in one statx call (the observer reads three files per agent); null when it fails.</summary>
    public static (UnixFileMode Mode, uint Uid)? ModeAndOwner(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, 0, StatxUid | StatxMode, buffer) != 0) return null;
        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode ...
        var mask = BitConverter.ToUInt32(buffer[0..4]);
        if ((mask & (StatxUid | StatxMode)) != (StatxUid | StatxMode)) return null;
        var mode = BitConverter.ToUInt16(buffer[28..30]);
        return ((UnixFileMode)(mode & 0xFFF), BitConverter.ToUInt32(buffer[20..24]));
    }

    public static string UserName(uint uid)
    {
        lock (NameLock)
        {
            if (NamesByUid.TryGetValue(uid, out var known)) return known;
            var entry = getpwuid(uid);
            var name = entry == IntPtr.Zero ? uid.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry)) ?? uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            NamesByUid[uid] = name;
            return name;
        }
    }

    /// <summary>The name of a group (struct group's first member), or the gid as text when it has none.</summary>
    public static string GroupName(uint gid)
    {
        lock (NameLock)
        {
            var entry = getgrgid(gid);
            return (entry == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry)))
                ?? gid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>(uid, gid) of a user name, or null when there is no such user. A number is taken as a uid.</summary>
    public static (uint Uid, uint Gid)? LookUpUser(string name)
    {
        lock (NameLock)
        {
            var entry = getpwnam(name);
            if (entry != IntPtr.Zero)
            {
                var uid = (uint)Marshal.ReadInt32(entry, UidOffset);
                var gid = (uint)Marshal.ReadInt32(entry, UidOffset + 4);
                return (uid, gid);
            }
        }
        return uint.TryParse(name, out var numeric) ? (numeric, uint.MaxValue) : null;
    }

    /// <summary>chown to the user and its primary group. Throws with errno on failure.</summary>
    public static void Chown(string path, uint uid, uint gid)
    {
        if (chown(path, uid, gid) != 0)
            throw new IOException($"chown failed: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>Makes a rename inside <paramref name="directory"/> durable.</summary>
    public static void FsyncDirectory(string directory)
    {
        var fd = open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { fsync(fd); }
        finally { close(fd); }
    }
}
