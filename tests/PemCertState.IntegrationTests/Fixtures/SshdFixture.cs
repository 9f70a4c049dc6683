using System.Diagnostics;
using PemCertState.IntegrationTests.Support;

namespace PemCertState.IntegrationTests.Fixtures;

/// <summary>
/// Real OpenSSH sshd processes on 127.0.0.1, one per simulated host, each with its own temp folder, host key,
/// random port and config. One client key (ed25519, no passphrase) is authorized for every user through an
/// absolute AuthorizedKeysFile, so root and a sudo user log in with it. The machine's /usr/sbin/sshd is used;
/// when it is missing the test fails with the command that installs it.
/// </summary>
public sealed class SshdFixture : IDisposable
{
    public const string SshdPath = "/usr/sbin/sshd";
    public const string InstallCommand = "apt-get update && apt-get install -y openssh-server";

    /// <summary>A non-root user whose sudo needs no password, for sudo: true hosts.</summary>
    public const string SudoUser = "pemstate-sudo";

    private readonly List<SshdInstance> _started = [];
    private readonly Lock _lock = new();

    public string Folder { get; }
    public string ClientKey => Path.Combine(Folder, "id_ed25519");
    public string AuthorizedKeys => Path.Combine(Folder, "authorized_keys");

    public SshdFixture()
    {
        if (!File.Exists(SshdPath))
            throw new InvalidOperationException($"{SshdPath} is missing: the SSH integration tests need OpenSSH's server. Install it with: {InstallCommand}");
        Folder = Directory.CreateTempSubdirectory("pemstate-sshd-").FullName;
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pemstate-test-client", "-f", ClientKey);
        File.Copy(ClientKey + ".pub", AuthorizedKeys);
        // sshd reads AuthorizedKeysFile as the user logging in: the sudo test's non-root user must reach it.
        File.SetUnixFileMode(Folder, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(AuthorizedKeys, (UnixFileMode)Convert.ToInt32("644", 8));
        // sshd's privilege separation folder; a container without a running sshd lacks it.
        if (!Directory.Exists("/run/sshd")) Directory.CreateDirectory("/run/sshd", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    /// <summary>Starts one more sshd; <paramref name="sftpLog"/> makes internal-sftp log every operation to its stderr.</summary>
    /// <param name="path">PATH for the sessions, instead of sshd's default (a host without some tool).</param>
    public SshdInstance Start(string name, bool sftpLog = false, string? path = null)
    {
        var instance = SshdInstance.Start(this, name, sftpLog, path);
        lock (_lock) _started.Add(instance);
        return instance;
    }

    /// <summary>Creates <see cref="SudoUser"/> with passwordless sudo, once per machine. Returns its name.</summary>
    public static string EnsureSudoUser()
    {
        if (!File.Exists("/usr/bin/sudo"))
            throw new InvalidOperationException("sudo is missing: the sudo test needs it. Install it with: apt-get update && apt-get install -y sudo");
        if (Run("id", "-u", SudoUser).ExitCode != 0)
        {
            Run("useradd", "-m", "-s", "/bin/sh", SudoUser);
        }
        // '*' instead of useradd's locked '!': sshd without PAM refuses key logins to locked accounts.
        Run("usermod", "-p", "*", SudoUser);
        File.WriteAllText("/etc/sudoers.d/pemstate-sudo", $"{SudoUser} ALL=(ALL) NOPASSWD: ALL\n");
        File.SetUnixFileMode("/etc/sudoers.d/pemstate-sudo", UnixFileMode.UserRead | UnixFileMode.GroupRead);
        // Several test classes share the account at once, so it goes when the test process ends, not with one fixture:
        // the machine is left as it was found (no user, no sudoers file).
        if (Interlocked.Exchange(ref _removalRegistered, 1) == 0)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveSudoUser();
        return SudoUser;
    }

    private static int _removalRegistered;

    private static void RemoveSudoUser()
    {
        try { File.Delete("/etc/sudoers.d/pemstate-sudo"); }
        catch (IOException) { }
        Run("userdel", "-r", "-f", SudoUser);
    }

    internal static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var instance in _started) instance.Dispose();
            _started.Clear();
        }
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
