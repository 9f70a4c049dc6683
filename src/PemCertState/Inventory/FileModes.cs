namespace PemCertState.Inventory;

internal static class FileModes
{
    /// <summary>0600: what every key and certificate gets.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0700: new backup and certificate folders.</summary>
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static string Format(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');

    /// <summary>The permission bits only (no setuid/sticky), for comparing with what we want.</summary>
    public static UnixFileMode Permissions(UnixFileMode mode) => (UnixFileMode)((int)mode & 0x1FF);
}
