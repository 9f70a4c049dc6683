using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Application;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>
/// An approved apply over SSH observes each host once and edits a config from what that observation read: it must never
/// write over a change another hand made to that config in between, and it must still notice another run in between.
/// </summary>
public sealed class KnownConfigTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task A_config_another_hand_changed_after_the_observation_is_not_written_over_and_the_next_apply_keeps_that_change()
    {
        // Given a fresh fleet on two sshd hosts, an approved apply observed and planned
        var hosts = new[] { sshd.Start("known0"), sshd.Start("known1") };
        using var lab = SshLab.Create(sshd, hosts, agents: 2);
        var commands = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var options = new SshOptions { CommandRun = host => commands.AddOrUpdate(host, 1, (_, n) => n + 1) };
        var said = new List<string>();
        var operation = new ApplyOperation(desired => new HostSet(desired, options), NullLoggerFactory.Instance, TimeProvider.System);
        await using var prepared = await operation.PrepareAsync(new ApplyRequest(lab.InventoryPath) { Approved = true, Parallelism = 2 }, said.Add, CancellationToken.None);
        Assert.Equal(ApplyStatus.Ready, prepared.Status);

        // When another hand writes agent 2's agent.cfg (on known1) before the apply edits it
        var config = lab.AgentConfig(2);
        const string Theirs = "# written by someone else after pemstate looked\nlog_level=debug\n";
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        File.WriteAllText(config, Theirs);
        var outcome = await operation.ExecuteAsync(prepared, null, said.Add, CancellationToken.None);

        // Then that agent's edit is refused for the change, its text is theirs still; the other agent converged
        Assert.NotNull(outcome.Result);
        var failure = Assert.Single(outcome.Result!.Failures);
        Assert.Contains("changed since pemstate read it", failure.Error, StringComparison.Ordinal);
        Assert.Equal(Theirs, File.ReadAllText(config));
        Assert.Contains("agent_ssl_crt", File.ReadAllText(lab.AgentConfig(1)), StringComparison.Ordinal);
        Assert.True(commands["known1"] <= 4, $"known1: {commands["known1"]} remote commands");

        // When applied again: the edit is made over their text, which stays
        var (_, again, againSaid) = await lab.ApplyOperationAsync(new SshOptions());
        Assert.True(again.Status == ApplyStatus.Done, $"{again.Status}: {again.Result?.Failure}\n{string.Join("\n", againSaid)}");
        var text = File.ReadAllText(config);
        Assert.Contains("log_level=debug", text, StringComparison.Ordinal);
        Assert.Contains("agent_ssl_crt", text, StringComparison.Ordinal);
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task An_approved_apply_observes_again_under_the_lock_when_another_run_changed_the_hosts_since_it_observed()
    {
        // Given a converged fleet, and an approved apply observed and planned after agent 1's certificate was lost
        var hosts = new[] { sshd.Start("again0"), sshd.Start("again1") };
        using var lab = SshLab.Create(sshd, hosts, agents: 2);
        Assert.Equal(ApplyStatus.Done, (await lab.ApplyOperationAsync(new SshOptions())).Outcome.Status);
        var desired = lab.Desired;
        File.Delete(PemFiles.AgentCertificate(desired.Agents, desired.Agents.List[0]));
        var said = new List<string>();
        var operation = new ApplyOperation(d => new HostSet(d, new SshOptions()), NullLoggerFactory.Instance, TimeProvider.System);
        await using var prepared = await operation.PrepareAsync(new ApplyRequest(lab.InventoryPath) { Approved = true }, said.Add, CancellationToken.None);
        Assert.Equal(ApplyStatus.Ready, prepared.Status);

        // When another run applies in between (it journals, and replaces the certificate)
        var (_, other, _) = await lab.ApplyOperationAsync(new SshOptions());
        Assert.Equal(ApplyStatus.Done, other.Status);
        var outcome = await operation.ExecuteAsync(prepared, null, said.Add, CancellationToken.None);

        // Then this one observed again under the lock, found the plan stale, and changed nothing
        Assert.Equal(ApplyStatus.Refused, outcome.Status);
        Assert.Contains(said, line => line.Contains("stale plan", StringComparison.Ordinal));
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }
}
