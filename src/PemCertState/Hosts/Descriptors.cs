using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PemCertState.Hosts;

/// <summary>
/// The libc calls behind <see cref="FolderHandle"/>: every file operation on a managed host goes through a descriptor
/// (openat with O_NOFOLLOW, fchmod/fchown on the descriptor, renameat/linkat/unlinkat inside a held folder), never through a
/// path that another account could re-point between two calls. .NET has no API for these.
/// </summary>
internal static partial class Descriptors
{
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int ELOOP = 40;

    /// <summary>The errno names an administrator searches for; the others are told by their text alone.</summary>
    private static readonly Dictionary<int, string> ErrnoNames = new()
    {
        [1] = "EPERM", [2] = "ENOENT", [5] = "EIO", [13] = "EACCES", [17] = "EEXIST", [20] = "ENOTDIR", [21] = "EISDIR",
        [24] = "EMFILE", [27] = "EFBIG", [28] = "ENOSPC", [30] = "EROFS", [36] = "ENAMETOOLONG", [40] = "ELOOP", [122] = "EDQUOT",
    };

    /// <summary>"Read-only file system (EROFS)": the system's words and the name to search for.</summary>
    public static string Describe(int errno) =>
        ErrnoNames.TryGetValue(errno, out var name) ? $"{Marshal.GetPInvokeErrorMessage(errno)} ({name})" : Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>
    /// .NET's own writes (RandomAccess.Write) throw an IOException whose HResult carries errno on Unix, for the same
    /// words as <see cref="Describe(int)"/>.
    /// </summary>
    public static string Describe(IOException e) => e switch
    {
        DescriptorException d => Describe(d.Errno),
        _ when e.HResult is 28 or 30 or 122 or 5 or 27 => Describe(e.HResult),
        _ when e.Message.Contains("No space left", StringComparison.Ordinal) => Describe(28),
        _ when e.Message.Contains("Read-only file system", StringComparison.Ordinal) => Describe(30),
        _ => e.Message,
    };

    private const int AtEmptyPath = 0x1000;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtRemoveDir = 0x200;

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int ONoCtty = 0x100;
    public const int OAppend = 0x400;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;
    public const int OPath = 0x200000;

    // These two differ between architectures (asm-generic vs x86).
    public static readonly int ODirectory = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat(int dirfd, string path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdirat(int dirfd, string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int renameat(int olddirfd, string oldpath, int newdirfd, string newpath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int linkat(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint readlinkat(int dirfd, string path, Span<byte> buffer, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, Span<byte> buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint syscall(nint number, int fd, Span<byte> buffer, nuint count);

    // getdents64 by number: glibc has a wrapper only since 2.30 (RHEL 8 has 2.28). Its records are the same on every architecture.
    private static readonly nint GetDents64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 61 : 217;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(int fd, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(int fd, uint owner, uint group);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    /// <summary>openat(2); the descriptor is owned by the handle. Throws <see cref="DescriptorException"/> with errno.</summary>
    public static SafeFileHandle OpenAt(SafeFileHandle? folder, string name, int flags, uint mode = 0)
    {
        var fd = openat(Fd(folder), name, flags | OCloExec, mode);
        if (fd < 0) throw DescriptorException.Last("open");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public static void MkdirAt(SafeFileHandle folder, string name, UnixFileMode mode)
    {
        if (mkdirat(Fd(folder), name, (uint)mode) != 0) throw DescriptorException.Last("mkdir");
    }

    public static void RenameAt(SafeFileHandle fromFolder, string from, SafeFileHandle toFolder, string to)
    {
        if (renameat(Fd(fromFolder), from, Fd(toFolder), to) != 0) throw DescriptorException.Last("rename");
    }

    /// <summary>linkat(2) without AT_SYMLINK_FOLLOW: a second name for the file (a link is linked, not its target). Fails with EEXIST when <paramref name="to"/> exists, where renameat would replace it.</summary>
    public static void LinkAt(SafeFileHandle fromFolder, string from, SafeFileHandle toFolder, string to)
    {
        if (linkat(Fd(fromFolder), from, Fd(toFolder), to, 0) != 0) throw DescriptorException.Last("link");
    }

    /// <summary>unlinkat(2); false when the name is already gone.</summary>
    public static bool UnlinkAt(SafeFileHandle folder, string name, bool directory)
    {
        if (unlinkat(Fd(folder), name, directory ? AtRemoveDir : 0) == 0) return true;
        var e = DescriptorException.Last("unlink");
        return e.Errno == ENOENT ? false : throw e;
    }

    /// <summary>
    /// The names in an open folder that <paramref name="keep"/> accepts, at most <paramref name="max"/>, read with getdents64
    /// from the descriptor's offset (a folder opened for it starts at 0). Every read lists its folder this way, for leftovers:
    /// one call for a small folder, no path looked up again, and a string only for a name kept.
    /// </summary>
    public static List<string> Names(SafeFileHandle folder, Func<ReadOnlySpan<byte>, bool> keep, int max)
    {
        var names = new List<string>();
        Span<byte> buffer = stackalloc byte[8192];
        while (names.Count < max)
        {
            var length = syscall(GetDents64, Fd(folder), buffer, (nuint)buffer.Length);
            // A folder removed while open fails with ENOENT; as glibc's readdir (and so Python's listdir) does, that is its end.
            if (length < 0 && Marshal.GetLastPInvokeError() == ENOENT) break;
            if (length < 0) throw DescriptorException.Last("getdents64");
            if (length == 0) break;
            // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[] (NUL-terminated)
            for (var at = 0; at < length && names.Count < max;)
            {
                var record = buffer.Slice(at, BitConverter.ToUInt16(buffer[(at + 16)..(at + 18)]));
                var name = record[19..];
                name = name[..name.IndexOf((byte)0)];
                if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8) && keep(name)) names.Add(System.Text.Encoding.UTF8.GetString(name));
                at += record.Length;
            }
        }
        return names;
    }

    public static string ReadLinkAt(SafeFileHandle folder, string name)
    {
        Span<byte> buffer = stackalloc byte[4096];
        var length = readlinkat(Fd(folder), name, buffer, (nuint)buffer.Length);
        if (length < 0) throw DescriptorException.Last("readlink");
        return System.Text.Encoding.UTF8.GetString(buffer[..(int)length]);
    }

    /// <summary>What an open descriptor refers to (fstat through statx with AT_EMPTY_PATH).</summary>
    public static FileStatus Status(SafeFileHandle handle) => StatusAt(handle, "", AtEmptyPath);

    /// <summary>What <paramref name="name"/> in <paramref name="folder"/> is, without following it if it is a link.</summary>
    public static FileStatus? StatusOfName(SafeFileHandle folder, string name)
    {
        try { return StatusAt(folder, name, AtSymlinkNoFollow); }
        catch (DescriptorException e) when (e.Errno == ENOENT) { return null; }
    }

    private static FileStatus StatusAt(SafeFileHandle handle, string name, int flags)
    {
        Span<byte> buffer = stackalloc byte[256];
        // STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_INO | STATX_SIZE
        if (statx(Fd(handle), name, flags, 0x31F, buffer) != 0) throw DescriptorException.Last("stat");
        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode, u16, u64 ino, u64 size,
        // ... at 136: u32 dev_major, u32 dev_minor
        var mode = BitConverter.ToUInt16(buffer[28..30]);
        return new FileStatus(
            (UnixFileMode)(mode & 0xFFF),
            (FileKind)(mode & 0xF000),
            BitConverter.ToUInt32(buffer[20..24]),
            BitConverter.ToUInt32(buffer[24..28]),
            BitConverter.ToUInt32(buffer[16..20]),
            (long)BitConverter.ToUInt64(buffer[40..48]),
            BitConverter.ToUInt64(buffer[32..40]),
            ((ulong)BitConverter.ToUInt32(buffer[136..140]) << 32) | BitConverter.ToUInt32(buffer[140..144]));
    }

    public static void ChangeMode(SafeFileHandle handle, UnixFileMode mode)
    {
        if (fchmod(Fd(handle), (uint)mode) != 0) throw DescriptorException.Last("chmod");
    }

    public static void ChangeOwner(SafeFileHandle handle, uint uid, uint gid)
    {
        if (fchown(Fd(handle), uid, gid) != 0) throw DescriptorException.Last("chown");
    }

    public static void Sync(SafeFileHandle handle)
    {
        if (fsync(Fd(handle)) != 0) throw DescriptorException.Last("fsync");
    }

    private static int Fd(SafeFileHandle? handle) => handle is null ? -100 /* AT_FDCWD */ : (int)handle.DangerousGetHandle();
}
