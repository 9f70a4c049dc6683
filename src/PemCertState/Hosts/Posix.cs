using System.Runtime.InteropServices;

namespace PemCertState.Hosts;

/// <summary>The few libc calls .NET has no API for besides <see cref="Descriptors"/>: user and group names (getpwuid, getgrgid), who runs pemstate, killing a process group, the clock tick.</summary>
internal static partial class Posix
{
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

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc")]
    private static partial long sysconf(int name);

    /// <summary>sysconf(_SC_CLK_TCK): the unit of process start times in /proc (100 on every Linux pemstate runs on, but asked).</summary>
    public static long ClockTicksPerSecond { get; } = sysconf(2 /* _SC_CLK_TCK */) is > 0 and var ticks ? ticks : 100;

    /// <summary>SIGKILL to every process of group <paramref name="group"/>; false when none is left.</summary>
    public static bool KillGroup(int group) => group > 1 && kill(-group, 9 /* SIGKILL */) == 0;

    // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; ... } on 64-bit Linux.
    private static readonly int UidOffset = 2 * IntPtr.Size;

    private static readonly Lock NameLock = new();
    private static readonly Dictionary<uint, string> NamesByUid = [];
    private static (DateTime Written, long Length) passwdSeen;

    /// <summary>
    /// The name of a uid, looked up once per version of /etc/passwd: an account deleted and another made with its uid
    /// (useradd reuses them) is named as it is now, even in a process that lives on (a test host, a service).
    /// </summary>
    public static string UserName(uint uid)
    {
        lock (NameLock)
        {
            var passwd = new FileInfo("/etc/passwd");
            var stamp = passwd.Exists ? (passwd.LastWriteTimeUtc, passwd.Length) : default;
            if (stamp != passwdSeen)
            {
                NamesByUid.Clear();
                passwdSeen = stamp;
            }
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
}
