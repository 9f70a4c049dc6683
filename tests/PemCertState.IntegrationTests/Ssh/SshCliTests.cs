using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>The SSH options as a user meets them: `pemstate` run as a process.</summary>
public sealed class SshCliTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public void Accept_new_host_keys_trusts_an_unknown_host_once_and_says_so()
    {
        // Given a host known_hosts does not know
        var host = sshd.Start("clinew0");
        using var lab = SshLab.Create(sshd, [host], agents: 1, trust: false);
        var fingerprint = KnownHosts.Fingerprint(host.PublicKeyBlob);

        // When planned strictly, Then exit 1 with the fingerprint
        var strict = SshCli.Run(lab.Root, "plan", "-f", lab.InventoryPath);
        Assert.Equal(1, strict.ExitCode);
        Assert.Contains(fingerprint, strict.Stderr, StringComparison.Ordinal);

        // When planned with --accept-new-host-keys, Then the plan runs, the key is added, and the user is told
        var accepted = SshCli.Run(lab.Root, "plan", "-f", lab.InventoryPath, "--accept-new-host-keys");
        Assert.True(accepted.ExitCode == 0, accepted.Stderr);
        Assert.Contains($"added ssh-ed25519 {fingerprint}", accepted.Stderr, StringComparison.Ordinal);
        Assert.Equal([host.KnownHostsLine], File.ReadAllLines(lab.KnownHostsPath));
    }

    [Fact]
    public async Task Skip_host_plans_without_a_stopped_agent_host_and_names_what_was_left_out()
    {
        // Given a converged fleet whose second host then goes down
        var up = sshd.Start("skipup0");
        var down = sshd.Start("skipdown0");
        using var lab = SshLab.Create(sshd, [up, down], agents: 2);
        var (_, result) = await lab.ApplyAsync();
        Assert.True(result.Succeeded, result.Failure);
        down.Stop();

        // When planned without and with --skip-host
        var refused = SshCli.Run(lab.Root, "plan", "-f", lab.InventoryPath);
        var skipped = SshCli.Run(lab.Root, "plan", "-f", lab.InventoryPath, "--skip-host", "skipdown0");

        // Then the first names the host and the way out; the second plans the rest and says agent 2 was left out
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--skip-host skipdown0", refused.Stderr, StringComparison.Ordinal);
        Assert.True(skipped.ExitCode == 0, skipped.Stderr);
        Assert.Contains("agent[2]", skipped.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("agent[2]", skipped.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_plan_logs_each_ssh_connect_and_file_read_with_its_duration()
    {
        // Given a converged fleet of one SSH host
        var host = sshd.Start("verbose0");
        using var lab = SshLab.Create(sshd, [host], agents: 1);
        var (_, result) = await lab.ApplyAsync();
        Assert.True(result.Succeeded, result.Failure);

        // When planned with -v
        var plan = SshCli.Run(lab.Root, "plan", "-f", lab.InventoryPath, "-v");

        // Then the connect and the reads over it are logged, each with its time
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        Assert.Matches(@"verbose0: connected to \S+ over SSH in \d+ ms", plan.Stderr);
        Assert.Matches(@"verbose0: read \S+: (\d+ bytes, mode 0[0-7]{3}.*|missing) in \d+ ms", plan.Stderr);
        Assert.DoesNotContain("PRIVATE KEY", plan.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Skip_host_is_refused_when_the_plan_creates_the_ca()
    {
        // Given a fresh fleet (the plan creates the CA) with one agent host down
        var up = sshd.Start("caup0");
        var down = sshd.Start("cadown0");
        using var lab = SshLab.Create(sshd, [up, down], agents: 2);
        down.Stop();

        // When applied with that host skipped
        var run = SshCli.Run(lab.Root, "apply", "-f", lab.InventoryPath, "--auto-approve", "--skip-host", "cadown0");

        // Then it refuses: restarting the server on a new root.crt would lock the skipped agent out
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("refusing this plan", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(lab.DataDir, "root.crt")));
    }
}
