using System.Diagnostics;
using PemCertState.Hosts;
using Xunit;
using PemCertState.Inventory;

namespace PemCertState.Tests.HostAccess;

/// <summary>
/// What the local host says when the filesystem itself refuses (issue 18, item 10): an error naming the host, the path
/// and the cause, never an unhandled exception, and no empty file left behind. Mounts need root, as the suite does.
/// </summary>
public sealed class LocalHostFilesystemErrorTests
{
    private static readonly LocalHost Host = new("pem", Path.GetTempPath());

    [Fact]
    public async Task A_read_only_filesystem_is_named_with_the_host_and_the_path()
    {
        // Given a folder on a read-only tmpfs
        using var mount = new Tmpfs("ro,size=64k");
        var path = Path.Combine(mount.Folder, "server.key");

        // When a file is written there
        var error = await Assert.ThrowsAsync<HostOperationException>(() =>
            Host.WriteAtomicAsync(path, "x"u8.ToArray(), FileModes.Private, null, CancellationToken.None));

        // Then the message says where and why
        Assert.StartsWith($"pem:{path}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("(EROFS)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_disk_fails_the_lock_with_ENOSPC_and_leaves_no_empty_lock_behind()
    {
        // Given a tiny tmpfs filled to the last block
        using var mount = new Tmpfs("size=64k");
        mount.Fill();
        var path = Path.Combine(mount.Folder, ".pemstate.lock");

        // When the lock is taken there
        var error = await Assert.ThrowsAsync<HostOperationException>(() =>
            Host.TryCreateExclusiveAsync(path, "pid 1\n"u8.ToArray(), FileModes.Private, CancellationToken.None));

        // Then it fails naming the cause, and no empty lock file is left for the next run to take for a stale one
        Assert.StartsWith($"pem:{path}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("(ENOSPC)", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_folder_where_a_file_belongs_is_named_as_a_folder()
    {
        // Given a folder at a key's path
        var root = Directory.CreateTempSubdirectory("pemstate-folder-").FullName;
        try
        {
            var path = Path.Combine(root, "agent1.key");
            Directory.CreateDirectory(path);

            // When it is read and written
            var read = await Assert.ThrowsAsync<HostOperationException>(() => Host.ReadAsync(path, CancellationToken.None));
            var write = await Assert.ThrowsAsync<HostOperationException>(() =>
                Host.WriteAtomicAsync(path, "x"u8.ToArray(), FileModes.Private, null, CancellationToken.None));

            // Then both say it is a folder, not that permission was denied
            foreach (var error in new[] { read, write })
            {
                Assert.StartsWith($"pem:{path}: is a folder", error.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("ermission denied", error.Message, StringComparison.Ordinal);
            }
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    /// <summary>A tmpfs mounted on a temp folder for one test, unmounted and removed however the test ends.</summary>
    private sealed class Tmpfs : IDisposable
    {
        public Tmpfs(string options)
        {
            Folder = Directory.CreateTempSubdirectory("pemstate-tmpfs-").FullName;
            Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", Folder);
        }

        public string Folder { get; }

        /// <summary>Writes until the filesystem has no block left.</summary>
        public void Fill()
        {
            try
            {
                using var file = File.OpenWrite(Path.Combine(Folder, "fill"));
                var block = new byte[4096];
                while (true) file.Write(block);
            }
            catch (IOException) { }
        }

        public void Dispose()
        {
            Run("umount", Folder);
            Directory.Delete(Folder);
        }

        private static void Run(string file, params string[] arguments)
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {error}");
        }
    }
}
