using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>
/// RemoteFiles.py's create and deleteif, over a real sshd, as the apply lock uses them (issue 18, item 8): created whole
/// or not at all, removed only while it holds the bytes that were judged, no private folder left either way.
/// </summary>
public sealed class SshLockFileTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task The_lock_is_created_whole_once_and_removed_only_with_the_bytes_it_holds()
    {
        // Given an empty folder on a host reached over SSH
        var host = sshd.Start("lock0");
        var folder = Directory.CreateTempSubdirectory("pemstate-sshlock-").FullName;
        var path = Path.Combine(folder, "apply.lock");
        var spec = new HostSpec("lock0", HostTransport.Ssh, "127.0.0.1", host.Port, "root", sshd.ClientKey, HostKey: $"SHA256:{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(host.PublicKeyBlob)).TrimEnd('=')}");
        await using var ssh = new SshHost(spec, new SshOptions());
        try
        {
            // When the lock is created twice
            var first = await ssh.TryCreateExclusiveAsync(path, "first holder\n"u8.ToArray(), FileModes.Private, CancellationToken.None);
            var second = await ssh.TryCreateExclusiveAsync(path, "second holder\n"u8.ToArray(), FileModes.Private, CancellationToken.None);

            // Then the first has it, whole and private; the second changes nothing
            Assert.True(first);
            Assert.False(second);
            Assert.Equal("first holder\n", await File.ReadAllTextAsync(path));
            Assert.Equal(FileModes.Private, File.GetUnixFileMode(path));

            // When it is deleted as another holder's, then as its own, then again
            var other = await ssh.TryDeleteUnchangedAsync(path, "second holder\n"u8.ToArray(), CancellationToken.None);
            Assert.Equal("first holder\n", await File.ReadAllTextAsync(path));
            var own = await ssh.TryDeleteUnchangedAsync(path, "first holder\n"u8.ToArray(), CancellationToken.None);
            var gone = await ssh.TryDeleteUnchangedAsync(path, "first holder\n"u8.ToArray(), CancellationToken.None);

            // Then only its own bytes removed it, and nothing is left in the folder
            Assert.False(other);
            Assert.True(own);
            Assert.False(gone);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
