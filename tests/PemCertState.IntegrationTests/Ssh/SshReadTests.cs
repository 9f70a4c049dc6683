using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>
/// Reads over a real sshd coalesce into one remote process a batch: every answer must be the file's exact bytes, mode
/// and owner, a missing file must be missing, and a link at a read path is refused, alone, not followed.
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
        var link = Path.Combine(folder, "link.pem");
        File.CreateSymbolicLink(link, files.Keys.First());
        var missing = Path.Combine(folder, "no-such-folder", "missing.key");
        var spec = new HostSpec("reads0", HostTransport.Ssh, "127.0.0.1", host.Port, "root", sshd.ClientKey, HostKey: $"SHA256:{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(host.PublicKeyBlob)).TrimEnd('=')}");
        await using var ssh = new SshHost(spec, new SshOptions());

        // When every file is read at once
        var paths = files.Keys.Append(link).Append(missing).ToList();
        var reads = paths.Select(p => ssh.ReadAsync(p, CancellationToken.None)).ToList();
        await Task.WhenAll(reads.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        var snapshots = reads.Select(r => r.IsCompletedSuccessfully ? r.Result : null).ToList();

        // Then each answer is that file, exactly
        for (var i = 0; i < files.Count; i++)
        {
            var (bytes, mode) = files[paths[i]];
            var snapshot = snapshots[i];
            Assert.NotNull(snapshot);
            Assert.True(snapshot.Exists, paths[i]);
            Assert.Equal(bytes, snapshot.Content);
            Assert.Equal(mode, snapshot.Mode & (UnixFileMode)Convert.ToInt32("777", 8));
            Assert.Equal("root", snapshot.Owner);
        }
        // and the link is refused by name while its neighbours were read, and the missing file is missing
        var linked = await Assert.ThrowsAsync<HostOperationException>(() => reads[files.Count]);
        Assert.Contains($"reads0:{link}: is a symbolic link", linked.Message, StringComparison.Ordinal);
        Assert.False(snapshots[files.Count + 1]!.Exists);
        // and the reads asked for while the connection was made left together: one command for all 42
        Assert.Equal(1, ssh.CommandsRun);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_state_file_past_8_MiB_is_read_with_the_state_bound_while_a_certificate_that_size_is_refused_in_the_same_batch()
    {
        // Given a journal.jsonl and an agent.crt of 12 MiB each, and a file past the state bound
        var host = sshd.Start("bigstate0");
        var folder = Directory.CreateTempSubdirectory("pemstate-sshbig-").FullName;
        try
        {
            var journal = Path.Combine(folder, "journal.jsonl");
            var bytes = new byte[12 * 1024 * 1024];
            new Random(11).NextBytes(bytes);
            await File.WriteAllBytesAsync(journal, bytes);
            var crt = Path.Combine(folder, "agent.crt");
            using (var stream = File.Create(crt)) stream.SetLength(bytes.Length);
            var huge = Path.Combine(folder, "issued.jsonl");
            using (var stream = File.Create(huge)) stream.SetLength(FileLimits.State + 1);
            var spec = new HostSpec("bigstate0", HostTransport.Ssh, "127.0.0.1", host.Port, "root", sshd.ClientKey, HostKey: $"SHA256:{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(host.PublicKeyBlob)).TrimEnd('=')}");
            await using var ssh = new SshHost(spec, new SshOptions());

            // When the journal is read with the state bound, the certificate with the managed one, and the huge file asking for more than any bound, at once
            var state = ssh.ReadAsync(journal, FileLimits.State, CancellationToken.None);
            var managed = ssh.ReadAsync(crt, CancellationToken.None);
            var greedy = ssh.ReadAsync(huge, long.MaxValue, CancellationToken.None);
            await Task.WhenAll(new Task[] { state, managed, greedy }.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));

            // Then the journal comes back whole, the certificate is refused at 8 MiB, the huge file at the state bound, in one command
            Assert.Equal(bytes, (await state).Content);
            var refused = await Assert.ThrowsAsync<HostOperationException>(() => managed);
            Assert.Contains($"is {bytes.Length} bytes, more than the {FileLimits.Managed} a managed file may hold", refused.Message, StringComparison.Ordinal);
            var clamped = await Assert.ThrowsAsync<HostOperationException>(() => greedy);
            Assert.Contains($"more than the {FileLimits.State} a managed file may hold", clamped.Message, StringComparison.Ordinal);
            Assert.Equal(1, ssh.CommandsRun);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public async Task A_host_without_python3_is_named_in_an_error_that_says_what_it_lacks()
    {
        // Given a host whose sessions find sh but no python3 (nor RHEL's platform-python)
        var bin = Directory.CreateTempSubdirectory("pemstate-nopython-").FullName;
        File.SetUnixFileMode(bin, (UnixFileMode)Convert.ToInt32("755", 8));
        File.CreateSymbolicLink(Path.Combine(bin, "sh"), "/bin/sh");
        try
        {
            var host = sshd.Start("nopython0", path: bin);
            var spec = new HostSpec("nopython0", HostTransport.Ssh, "127.0.0.1", host.Port, "root", sshd.ClientKey, HostKey: $"SHA256:{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(host.PublicKeyBlob)).TrimEnd('=')}");
            await using var ssh = new SshHost(spec, new SshOptions());

            // When a file is read and one written
            var read = await Assert.ThrowsAsync<HostOperationException>(() => ssh.ReadAsync("/etc/hostname", CancellationToken.None));
            // (the write on a connection of its own: on the read's connection it now and then found the connection lost
            // instead of the missing python3, a flake seen in CI and not yet explained)
            await using var second = new SshHost(spec, new SshOptions());
            var write = await Assert.ThrowsAsync<HostOperationException>(() => second.WriteAtomicAsync(Path.Combine(bin, "x.crt"), "x"u8.ToArray(), FileModes.Private, null, CancellationToken.None));

            // Then both say which host lacks python3
            Assert.Contains("pemstate needs python3 on nopython0 for its file operations", read.Message, StringComparison.Ordinal);
            Assert.Contains("pemstate needs python3 on nopython0 for its file operations", write.Message, StringComparison.Ordinal);
        }
        finally { Directory.Delete(bin, recursive: true); }
    }
}
