using System.Net;
using System.Net.Sockets;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>
/// `apply --parallelism N` opens at most N SSH connections at a time: a key exchange is CPU work on the controller. Seen from
/// the hosts' side: two hosts that accept a connection and never say a word hold each handshake until its timeout, so the
/// connections they have accepted a few seconds in are the handshakes under way at once.
/// </summary>
public sealed class SshFanOutTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Theory]
    [InlineData("1", 1)]
    [InlineData("2", 2)]
    public async Task Apply_opens_no_more_SSH_connections_at_once_than_its_parallelism(string parallelism, int expected)
    {
        // Given two hosts whose listeners accept and then stay silent
        var hosts = new[] { sshd.Start($"fan{parallelism}a"), sshd.Start($"fan{parallelism}b") };
        using var lab = SshLab.Create(sshd, hosts, agents: 2);
        using var silent = new SilentListeners(2);
        var yaml = File.ReadAllText(lab.InventoryPath);
        for (var i = 0; i < hosts.Length; i++)
            yaml = yaml.Replace($"port: {hosts[i].Port}\n", $"port: {silent.Ports[i]}\n", StringComparison.Ordinal);
        File.WriteAllText(lab.InventoryPath, yaml);

        // When apply runs with --parallelism N, and four seconds pass (the connect timeout is 10 s)
        using var apply = SshCli.Start(lab.Root, "apply", "-f", lab.InventoryPath, "--auto-approve", "--parallelism", parallelism);
        _ = apply.StandardOutput.ReadToEndAsync();
        _ = apply.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        var accepted = silent.Accepted;
        apply.Kill(entireProcessTree: true);
        await apply.WaitForExitAsync();

        // Then exactly N connections had been opened
        Assert.Equal(expected, accepted);
    }

    /// <summary>Loopback listeners that accept every connection, count it, and never send a byte.</summary>
    private sealed class SilentListeners : IDisposable
    {
        private readonly List<TcpListener> _listeners = [];
        private readonly List<Socket> _held = [];
        private int _accepted;

        public SilentListeners(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                _listeners.Add(listener);
                _ = AcceptAsync(listener);
            }
        }

        public IReadOnlyList<int> Ports => [.. _listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];

        public int Accepted => Volatile.Read(ref _accepted);

        private async Task AcceptAsync(TcpListener listener)
        {
            try
            {
                while (true)
                {
                    var socket = await listener.AcceptSocketAsync();
                    lock (_held) _held.Add(socket);
                    Interlocked.Increment(ref _accepted);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }

        public void Dispose()
        {
            foreach (var listener in _listeners) listener.Stop();
            lock (_held) foreach (var socket in _held) socket.Dispose();
        }
    }
}
