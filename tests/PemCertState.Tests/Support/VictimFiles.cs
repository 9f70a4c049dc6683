using PemCertState.Crypto;

namespace PemCertState.Tests.Support;

/// <summary>
/// Files outside anything pemstate manages that an attack tries to reach: a root-owned 0644 job in a "cron" folder (to
/// be overwritten) and a root-only 0600 secret (to be copied out). <see cref="Snapshot"/> before and after proves that
/// neither changed in bytes, mode or owner.
/// </summary>
internal sealed class VictimFiles : IDisposable
{
    public string Root { get; }
    public string CronJob => Path.Combine(Root, "cron.d", "pemstate-victim");
    public string Secret => Path.Combine(Root, "secret", "shadow");

    private VictimFiles(string root) => Root = root;

    public static VictimFiles Create()
    {
        var root = Directory.CreateTempSubdirectory("pemstate-victims-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        var victims = new VictimFiles(root);
        Directory.CreateDirectory(Path.GetDirectoryName(victims.CronJob)!, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.GetDirectoryName(victims.Secret)!, (UnixFileMode)0b111_000_000);
        File.WriteAllText(victims.CronJob, "# root's job\n* * * * * root /bin/true\n");
        File.SetUnixFileMode(victims.CronJob, (UnixFileMode)0b110_100_100);
        File.WriteAllText(victims.Secret, "root:s3cret-hash:20000:0:99999:7:::\n");
        File.SetUnixFileMode(victims.Secret, (UnixFileMode)0b110_000_000);
        return victims;
    }

    /// <summary>Every file under the victims' folder (and any extra path given), with its hash, mode and owner uid.</summary>
    public IReadOnlyDictionary<string, string> Snapshot(params string[] extra) =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Concat(extra).Distinct()
            .ToDictionary(p => p, Describe);

    private static string Describe(string path)
    {
        if (!File.Exists(path)) return "missing";
        var info = new FileInfo(path);
        return $"{Fingerprints.Sha256Hex(File.ReadAllBytes(path))} {Convert.ToString((int)info.UnixFileMode, 8)} uid {Owner(path)}";
    }

    /// <summary>The owner's uid, from fstat of an open descriptor.</summary>
    private static string Owner(string path)
    {
        using var file = File.OpenHandle(path);
        return PemCertState.Hosts.Descriptors.Status(file).Uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
