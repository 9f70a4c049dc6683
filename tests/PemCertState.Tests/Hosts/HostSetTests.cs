using PemCertState.Hosts;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.HostAccess;

[Trait("Category", "Unit")]
public sealed class HostSetTests
{
    /// <summary>
    /// SSH.NET holds a thread-pool thread through each key exchange and channel confirmation; opening SSH hosts must
    /// leave the pool enough threads for three such waits a host beside the cores, or ten hosts queue behind the
    /// pool's slow growth (a second of a 2.5 s plan on 10 hosts). No connection is made here: hosts connect on first use.
    /// </summary>
    [Fact]
    public async Task Opening_ssh_hosts_keeps_threads_ready_for_their_blocking_waits()
    {
        var hosts = Enumerable.Range(1, 12).Select(i => $"  db-{i}: {{ transport: ssh, address: 10.0.0.{i}, user: root }}\n");
        var desired = InventoryLoader.Parse($"""
            version: 1
            hosts:
              pem: {"{ transport: local }"}
            {string.Concat(hosts)}ca: {"{ subject: /CN=pem-ca }"}
            server: {"{ host: pem, data_dir: /data, subject: /CN=pem }"}
            agents: {"{ subject: /O=PEM, list: [ { id: 1, host: db-1 } ] }"}
            """, "/fleet/pemstate.yaml").State!;

        await using var set = new HostSet(desired);
        for (var i = 1; i <= 12; i++) Assert.IsType<SshHost>(set[$"db-{i}"]);
        _ = set["pem"];

        ThreadPool.GetMinThreads(out var workers, out _);
        Assert.True(workers >= Environment.ProcessorCount + 3 * 12, $"min worker threads {workers}");
    }
}
