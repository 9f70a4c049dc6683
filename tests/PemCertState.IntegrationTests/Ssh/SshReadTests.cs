using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>
/// Reads over a real sshd coalesce into one command a batch (tar, with a per-file fallback): every answer must be the
/// file's exact bytes, mode and owner, a missing file must be missing, and a link is judged by its target.
/// </summary>
public sealed class SshReadTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task Many_reads_at_once_return_each_files_bytes_mode_and_owner_and_missing_files_as_missing()
    {
        // Given a folder of files: binary, empty, a name with spaces and quotes, 0600 and 0644, a link, a missing one
        var host = sshd.Start("reads0");
        var folder = Directory.CreateTempSubdirectory("pemstate-sshread-").FullName;
        var files = new Dictionary<string, (byte[] Bytes, UnixFileMode Mode)>();
        var random = new Random(7);
        for (var i = 0; i < 40; i++)
        {
            var bytes = new byte[random.Next(0, 3000)];
            random.NextBytes(bytes);
            var mode = i % 2 == 0 ? (UnixFileMode)Convert.ToInt32("600", 8) : (UnixFileMode)Convert.ToInt32("644", 8);
            files[Path.Combine(folder, i == 3 ? "it's a \"key\" $HOME *.pem" : $"file{i}.bin")] = (bytes, mode);
        }
        foreach (var (path, (bytes, mode)) in files)
        {
            await File.WriteAllBytesAsync(path, bytes);
            File.SetUnixFileMode(path, mode);
        }
        var target = files.Keys.First();
        var link = Path.Combine(folder, "link.pem");
        File.CreateSymbolicLink(link, target);
        var missing = Path.Combine(folder, "no-such-folder", "missing.key");
        var spec = new HostSpec("reads0", HostTransport.Ssh, "127.0.0.1", host.Port, "root", sshd.ClientKey, HostKey: $"SHA256:{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(host.PublicKeyBlob)).TrimEnd('=')}");
        await using var ssh = new SshHost(spec, new SshOptions());

        // When every file is read at once
        var paths = files.Keys.Append(link).Append(missing).ToList();
        var snapshots = await Task.WhenAll(paths.Select(p => ssh.ReadAsync(p, CancellationToken.None)));

        // Then each answer is that file, exactly
        for (var i = 0; i < files.Count; i++)
        {
            var (bytes, mode) = files[paths[i]];
            Assert.True(snapshots[i].Exists, paths[i]);
            Assert.Equal(bytes, snapshots[i].Content);
            Assert.Equal(mode, snapshots[i].Mode & (UnixFileMode)Convert.ToInt32("777", 8));
            Assert.Equal("root", snapshots[i].Owner);
        }
        // and the link reads as its target, and the missing file as missing
        var linked = snapshots[files.Count];
        Assert.Equal(files[target].Bytes, linked.Content);
        Assert.Equal(files[target].Mode, linked.Mode & (UnixFileMode)Convert.ToInt32("777", 8));
        Assert.False(snapshots[files.Count + 1].Exists);
        // and the reads asked for while the connection was made left together: one command, one tar, for all 42
        Assert.Equal(1, ssh.CommandsRun);
        Directory.Delete(folder, recursive: true);
    }
}
