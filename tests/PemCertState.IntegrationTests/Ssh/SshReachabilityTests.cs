using System.Diagnostics;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>A host that cannot be reached or logged in to fails the plan by name, quickly.</summary>
public sealed class SshReachabilityTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task A_stopped_host_fails_the_plan_naming_the_host()
    {
        // Given two hosts, one of them stopped
        var up = sshd.Start("up0");
        var down = sshd.Start("down0");
        using var lab = SshLab.Create(sshd, [up, down], agents: 2);
        down.Stop();

        // When planned
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<HostOperationException>(() => lab.PlanAsync());

        // Then the stopped host is named with the reason, without waiting for a long timeout
        Assert.Equal("down0", error.Host);
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{down.Port}", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void The_cli_exits_1_and_names_the_unreachable_host()
    {
        // Given an inventory whose only host is stopped
        var down = sshd.Start("clidown0");
        using var lab = SshLab.Create(sshd, [down], agents: 1);
        down.Stop();

        // When `pemstate plan` runs
        var (exit, _, stderr) = SshCli.Run(lab.Root, "plan", "-f", lab.InventoryPath);

        // Then it exits 1 and says which host and why
        Assert.Equal(1, exit);
        Assert.Contains("clidown0", stderr, StringComparison.Ordinal);
        Assert.Contains("unreachable", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_the_server_does_not_accept_is_a_login_failure_naming_the_user()
    {
        // Given an inventory that logs in with a key the host does not authorize
        var host = sshd.Start("auth0");
        using var lab = SshLab.Create(sshd, [host], agents: 1);
        var stranger = Path.Combine(lab.Root, "stranger_key");
        SshdFixture.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace(sshd.ClientKey, stranger, StringComparison.Ordinal));

        // When planned, Then the login failure is reported for that host and user
        var error = await Assert.ThrowsAsync<HostOperationException>(() => lab.PlanAsync());
        Assert.Equal("auth0", error.Host);
        Assert.Contains("login failed for root", error.Message, StringComparison.Ordinal);
    }
}
