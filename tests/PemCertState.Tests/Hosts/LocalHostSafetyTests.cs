using System.Diagnostics;
using System.Security.Cryptography;
using PemCertState.Hosts;
using Xunit;

namespace PemCertState.Tests.HostAccess;

/// <summary>
/// The local host never follows a link at a managed path, never opens anything but a regular file there, reads
/// within a bound, and changes modes and owners only through descriptors. Folders "owned by another account" are
/// made by giving them to nobody (65534); the victims are root's files outside the managed folder.
/// </summary>
[Trait("Category", "Attack")]
public sealed class LocalHostSafetyTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const uint Nobody = 65534;

    private readonly string _root = Directory.CreateTempSubdirectory("pemstate-hostsafety-").FullName;
    private readonly LocalHost _host;

    public LocalHostSafetyTests() => _host = new LocalHost("pem", "/");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string AgentFolder()
    {
        var folder = Path.Combine(_root, "agent");
        Directory.CreateDirectory(folder);
        Chown(folder, Nobody);
        return folder;
    }

    private string Victim(string content = "root's own\n")
    {
        var vault = Path.Combine(_root, "vault");
        Directory.CreateDirectory(vault);
        var victim = Path.Combine(vault, "secret");
        File.WriteAllText(victim, content);
        File.SetUnixFileMode(victim, Private);
        return victim;
    }

    private static string Fingerprint(string path)
    {
        var info = new FileInfo(path);
        return $"{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))} {info.UnixFileMode} {Stat(path, "%u:%g")}";
    }

    [Fact]
    public async Task A_link_at_a_key_path_is_refused_and_named_not_followed()
    {
        // Given an agent folder whose key is a link to root's secret
        var folder = AgentFolder();
        var victim = Victim();
        var key = Path.Combine(folder, "agent1.key");
        File.CreateSymbolicLink(key, victim);
        var before = Fingerprint(victim);

        // When pemstate reads it, and writes a mode and an owner there
        var read = await Assert.ThrowsAsync<HostOperationException>(() => _host.ReadAsync(key, default));
        await Assert.ThrowsAsync<HostOperationException>(() => _host.SetModeAsync(key, UnixFileMode.UserRead | UnixFileMode.OtherRead, default));
        await Assert.ThrowsAsync<HostOperationException>(() => _host.SetOwnerAsync(key, "nobody", default));

        // Then the error names the link, and the victim is as it was
        Assert.Contains(key, read.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", read.Message, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint(victim));
    }

    [Fact]
    public async Task Writing_at_a_link_is_refused_and_leaves_its_target_alone()
    {
        var folder = AgentFolder();
        var victim = Victim();
        var crt = Path.Combine(folder, "agent1.crt");
        File.CreateSymbolicLink(crt, victim);
        var before = Fingerprint(victim);

        // A link at the destination is refused too: the plan must say so, not quietly replace it.
        await Assert.ThrowsAsync<HostOperationException>(() => _host.WriteAtomicAsync(crt, "new"u8.ToArray(), Private, "nobody", default));

        Assert.Equal(before, Fingerprint(victim));
        Assert.Equal(victim, new FileInfo(crt).LinkTarget);
    }

    [Fact]
    public async Task A_fifo_at_a_key_path_is_refused_at_once_instead_of_hanging_the_plan()
    {
        var folder = AgentFolder();
        var key = Path.Combine(folder, "agent1.key");
        Run("mkfifo", key);

        var read = _host.ReadAsync(key, default);
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.Same(read, finished);
        var error = await Assert.ThrowsAsync<HostOperationException>(() => read);
        Assert.Contains("FIFO", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_to_dev_zero_is_refused_without_reading_it()
    {
        var folder = AgentFolder();
        var key = Path.Combine(folder, "agent1.key");
        File.CreateSymbolicLink(key, "/dev/zero");
        var memory = GC.GetTotalAllocatedBytes(precise: true);

        await Assert.ThrowsAsync<HostOperationException>(() => _host.ReadAsync(key, default));

        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - memory < 16 * 1024 * 1024, "read far more than a key");
    }

    [Fact]
    public async Task A_file_larger_than_the_bound_is_refused()
    {
        var folder = AgentFolder();
        var crt = Path.Combine(folder, "agent1.crt");
        using (var stream = File.Create(crt)) stream.SetLength(LocalHost.MaxFileBytes + 1);

        var error = await Assert.ThrowsAsync<HostOperationException>(() => _host.ReadAsync(crt, default));

        Assert.Contains("more than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_linked_folder_in_another_accounts_folder_is_not_followed()
    {
        // Given the agent's ".pem" is a link, made by the agent's account, to a root-only folder
        var home = AgentFolder();
        var victim = Victim();
        var pem = Path.Combine(home, ".pem");
        File.CreateSymbolicLink(pem, Path.GetDirectoryName(victim)!);
        var before = Fingerprint(victim);

        // When pemstate writes the agent's key and certificate, and a backup folder, there
        var write = await Assert.ThrowsAsync<HostOperationException>(() => _host.WriteAtomicAsync(Path.Combine(pem, "secret"), "attacker"u8.ToArray(), Private, "nobody", default));
        await Assert.ThrowsAsync<HostOperationException>(() => _host.EnsureDirectoryAsync(Path.Combine(pem, "certs", "1"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, default));

        // Then nothing happened in the root-only folder, and the error says which link and whose folder
        Assert.Equal(before, Fingerprint(victim));
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(victim)!, "certs")));
        Assert.Contains(pem, write.Message, StringComparison.Ordinal);
        Assert.Contains("nobody", write.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_that_only_root_could_have_made_is_followed()
    {
        // Given an administrator's link (root's own 0755 folder) to the real data folder
        var real = Path.Combine(_root, "real");
        Directory.CreateDirectory(real);
        var link = Path.Combine(_root, "data");
        File.CreateSymbolicLink(link, real);

        await _host.WriteAtomicAsync(Path.Combine(link, "server.crt"), "crt"u8.ToArray(), Private, null, default);

        Assert.Equal("crt", File.ReadAllText(Path.Combine(real, "server.crt")));
    }

    [Fact]
    public async Task A_hard_link_to_a_root_file_gets_neither_its_mode_nor_its_owner_changed()
    {
        var folder = AgentFolder();
        var victim = Victim();
        var key = Path.Combine(folder, "agent1.key");
        Run("ln", victim, key);
        var before = Fingerprint(victim);

        var error = await Assert.ThrowsAsync<HostOperationException>(() => _host.SetOwnerAsync(key, "nobody", default));
        await Assert.ThrowsAsync<HostOperationException>(() => _host.SetModeAsync(key, (UnixFileMode)0x1FF, default));

        Assert.Contains("hard links", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint(victim));
    }

    [Fact]
    public async Task A_written_file_has_its_mode_and_owner_from_the_first_moment_it_has_a_name()
    {
        var folder = AgentFolder();
        var key = Path.Combine(folder, "agent1.key");

        await _host.WriteAtomicAsync(key, "key"u8.ToArray(), Private, "nobody", default);

        Assert.Equal(Private, File.GetUnixFileMode(key));
        Assert.Equal($"{Nobody}", Stat(key, "%u"));
        Assert.Empty(Directory.EnumerateFiles(folder, "*.pemstate-tmp"));
    }

    [Fact]
    public async Task Deleting_a_backup_folder_removes_links_in_it_not_their_targets()
    {
        var folder = AgentFolder();
        var victim = Victim();
        var set = Path.Combine(folder, "certs", "20270101T000000Z");
        Directory.CreateDirectory(set);
        File.CreateSymbolicLink(Path.Combine(set, "agent1.key"), victim);
        File.CreateSymbolicLink(Path.Combine(set, "vault"), Path.GetDirectoryName(victim)!);
        var before = Fingerprint(victim);

        await _host.DeleteDirectoryAsync(set, default);

        Assert.False(Directory.Exists(set));
        Assert.Equal(before, Fingerprint(victim));
    }

    private static void Chown(string path, uint uid) => Run("chown", $"{uid}:{uid}", path);

    private static string Stat(string path, string format) => Run("stat", "-c", format, path).Trim();

    private static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file}: {process.StandardError.ReadToEnd()}");
        return output;
    }
}
