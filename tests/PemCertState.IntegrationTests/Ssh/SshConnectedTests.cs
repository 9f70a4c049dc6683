using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>Each SSH host says once that its session is up: what a terminal counts ("Connecting to 3 hosts: 2/3").</summary>
public sealed class SshConnectedTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task Every_SSH_host_of_a_run_tells_once_that_it_is_connected()
    {
        // Given three SSH hosts, with agents on each
        var hosts = new[] { sshd.Start("count0"), sshd.Start("count1"), sshd.Start("count2") };
        using var lab = SshLab.Create(sshd, hosts, agents: 3);
        var connected = new List<string>();

        // When a plan observes them all
        await lab.PlanAsync(new SshOptions { Connected = name => { lock (connected) connected.Add(name); } });

        // Then each host was told once, by its inventory name
        Assert.Equal(["count0", "count1", "count2"], connected.Order(StringComparer.Ordinal));
    }
}
