using PemCertState.Hosts;
using PemCertState.Tests.Crypto;
using Xunit;

namespace PemCertState.Tests.HostAccess;

/// <summary>
/// Every read lists its folder for leftovers, and in common-user mode one agent's lane reads the shared pending key
/// from agent 1's folder while agent 1's lane writes there. A write's own folder (.pemstate-*) then comes and goes
/// between the listing, the open and the getdents64 of that folder. CI once failed an apply on it ("listing its folder
/// failed: getdents64 failed: ENOENT"). A folder gone since the listing is no leftover and no error, on the local host
/// and in the program an SSH host runs. Each test replays the race a few hundred times.
/// </summary>
[Trait("Category", "Attack")]
public sealed class ConcurrentLeftoverTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const int Reads = 400;

    [Fact]
    public async Task A_local_read_beside_writes_in_the_same_folder_never_fails_on_their_own_folders()
    {
        // Given a folder holding a key that is read, while another lane writes in it and own folders come and go
        using var dir = new TempDirectory();
        var key = PendingKeyIn(dir.Path);
        var host = new LocalHost("pem", "/");
        using var churn = new Churn(dir.Path);
        var written = 0;
        var writes = Task.Run(async () =>
        {
            while (!churn.Stopped)
            {
                await host.WriteAtomicAsync(Path.Combine(dir.Path, "agent.crt"), "certificate\n"u8.ToArray(), Private, null, CancellationToken.None);
                Interlocked.Increment(ref written);
            }
        });
        churn.WaitStarted();

        // When it is read a few hundred times, while the folders still come and go
        var failures = new List<string>();
        for (var i = 0; i < Reads || churn.Made < Reads || Volatile.Read(ref written) < Reads; i++)
        {
            try
            {
                var snapshot = await host.ReadAsync(key, CancellationToken.None);
                Assert.True(snapshot.Exists);
                // Then a leftover reported is a folder that was there when listed, never an error
                Assert.All(snapshot.Leftovers ?? [], l => Assert.StartsWith(".pemstate-", l.Name, StringComparison.Ordinal));
            }
            catch (HostOperationException e) { failures.Add(e.Message); }
        }
        var folders = churn.Stop();
        await writes;

        Assert.Empty(failures);
        Assert.True(folders >= Reads && written >= Reads, $"the race ran: {folders} own folders made and removed, {written} writes");
        Assert.Equal(["agent.crt", "agent.key.pending"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_remote_read_beside_own_folders_coming_and_going_never_fails_on_them()
    {
        // Given the same folder on an "SSH host" (the program it runs, run here with python3)
        using var dir = new TempDirectory();
        var key = PendingKeyIn(dir.Path);
        using var churn = new Churn(dir.Path);
        churn.WaitStarted();

        // When batches read it a few hundred times while own folders come and go
        var answers = new List<RemoteFileAnswer>();
        while (answers.Count < Reads || churn.Made < Reads)
            answers.AddRange(await Task.Run(() => RemoteKeyOperationsTests.Run(
                Enumerable.Range(0, Reads).Select(_ => new RemoteFileRequest("read", key)).ToArray())));
        var folders = churn.Stop();

        // Then every read answered with the file
        Assert.All(answers, a => Assert.Equal("ok", a.Status));
        Assert.True(folders >= Reads, $"the race ran: {folders} own folders made and removed");
    }

    /// <summary>The file every read asks for, as common mode's shared pending key (its content does not matter here).</summary>
    private static string PendingKeyIn(string folder)
    {
        var key = Path.Combine(folder, "agent.key.pending");
        File.WriteAllText(key, "pending\n");
        File.SetUnixFileMode(key, Private);
        return key;
    }

    /// <summary>
    /// Makes and removes a folder of pemstate's, with a file in it, as fast as it can on its own thread: what a
    /// concurrent write does, without the write between, so the reader often meets a folder being removed.
    /// </summary>
    private sealed class Churn : IDisposable
    {
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _started = new();
        private volatile bool _stop;
        private int _made;

        public Churn(string folder)
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    var own = Path.Combine(folder, $".pemstate-{Guid.NewGuid():N}");
                    Directory.CreateDirectory(own);
                    File.WriteAllText(Path.Combine(own, "agent.crt"), "x");
                    File.Delete(Path.Combine(own, "agent.crt"));
                    Directory.Delete(own);
                    Interlocked.Increment(ref _made);
                    _started.Set();
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public int Made => Volatile.Read(ref _made);

        public bool Stopped => _stop;

        public void WaitStarted() => Assert.True(_started.Wait(TimeSpan.FromSeconds(30)), "the churn never started");

        /// <returns>How many folders it made and removed.</returns>
        public int Stop()
        {
            _stop = true;
            _thread.Join();
            return Made;
        }

        public void Dispose()
        {
            if (!_stop) Stop();
            _started.Dispose();
        }
    }
}
