using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>Apply over SSH against real sshd processes: files, modes, the run-twice rule, restarts.</summary>
public sealed class SshApplyTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Converges_agents_on_three_ssh_hosts_and_a_second_plan_is_empty()
    {
        // Given a server and four agents spread over three sshd hosts
        var hosts = new[] { sshd.Start("fleet0"), sshd.Start("fleet1"), sshd.Start("fleet2") };
        using var lab = SshLab.Create(sshd, hosts, agents: 4);

        // When the plan is applied over SSH
        var (plan, result) = await lab.ApplyAsync();

        // Then every key is 0600, the chains verify with openssl, restarts ran remotely, and nothing is left to do
        Assert.True(result.Succeeded, result.Failure);
        Assert.NotEmpty(plan.Steps);
        var desired = lab.Desired;
        var root = Path.Combine(lab.DataDir, PemFiles.RootBundle);
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(lab.DataDir, PemFiles.ServerKey)));
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(lab.DataDir, PemFiles.CaKey)));
        AssertVerifies(root, Path.Combine(lab.DataDir, PemFiles.ServerCertificate));
        foreach (var agent in desired.Agents.List)
        {
            Assert.Equal(Private, File.GetUnixFileMode(PemFiles.AgentKey(desired.Agents, agent)));
            Assert.Equal(Private, File.GetUnixFileMode(PemFiles.AgentCertificate(desired.Agents, agent)));
            AssertVerifies(root, PemFiles.AgentCertificate(desired.Agents, agent));
            var pair = SshOpenSsl.Run("pkey", "-in", PemFiles.AgentKey(desired.Agents, agent), "-pubout");
            var fromCertificate = SshOpenSsl.Run("x509", "-in", PemFiles.AgentCertificate(desired.Agents, agent), "-noout", "-pubkey");
            Assert.Equal(pair.Output, fromCertificate.Output);
        }
        var restarts = File.ReadAllLines(lab.RestartLog);
        Assert.Equal("server", restarts[^1]);
        Assert.Equal(4, restarts.Count(l => l == "agent"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(lab.Root, ".pemstate-*", SearchOption.AllDirectories));

        var before = lab.Fingerprint();
        var again = await lab.PlanAsync();
        Assert.True(again.IsEmpty, string.Join("\n", again.Steps.Select(s => $"{s.Address} {s.Action} {s.Reason}")));
        Assert.Equal(before, lab.Fingerprint());
    }

    [Fact]
    public async Task A_failing_restart_command_reports_its_exit_status_and_stderr()
    {
        // Given agents whose restart command fails on the remote host
        using var lab = SshLab.Create(sshd, [sshd.Start("restart0")], agents: 1, agentRestart: "echo 'pemagent: unit not found' >&2; exit 5");

        // When applied
        var (_, result) = await lab.ApplyAsync();

        // Then that agent's restart fails with the status and the remote stderr, and the server was not restarted
        Assert.False(result.Succeeded);
        Assert.Equal("restart[agent 1]", result.FailedStep!.Address.ToString());
        var failure = Assert.Single(result.Failures);
        Assert.Contains("exited with 5", failure.Error, StringComparison.Ordinal);
        Assert.Contains("pemagent: unit not found", failure.Error, StringComparison.Ordinal);
        Assert.Contains(result.Skipped, s => s.Address.ToString() == "restart[server]");
        Assert.DoesNotContain("server", File.Exists(lab.RestartLog) ? File.ReadAllText(lab.RestartLog) : "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_is_written_over_sftp_and_no_temp_file_is_left()
    {
        // Given a host whose SFTP server would log every operation
        var host = sshd.Start("audit0", sftpLog: true);
        using var lab = SshLab.Create(sshd, [host], agents: 1);

        // When applied
        var (_, result) = await lab.ApplyAsync();
        Assert.True(result.Succeeded, result.Failure);

        // Then the files went through the host's descriptor-based file program, not SFTP (which acts by path), and
        // every temp file was renamed into place
        Assert.Equal("", host.SftpLog);
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(lab.DataDir, PemFiles.ServerKey)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(lab.Root, "*.pemstate-tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Staged_copies_a_killed_switch_left_are_found_over_ssh_and_removed_after_the_config_names_the_live_pair_again()
    {
        // Given a converged server and agent over SSH, then what a switch killed half-way leaves: the agent's staged pair,
        // agent.cfg naming it, and a server.key.next that is a symbolic link (not pemstate's)
        var host = sshd.Start("staged0");
        using var lab = SshLab.Create(sshd, [host], agents: 1);
        Assert.True((await lab.ApplyAsync()).Result.Succeeded);
        var (key, certificate) = (Path.Combine(lab.CertDir(1), "agent1.key"), Path.Combine(lab.CertDir(1), "agent1.crt"));
        foreach (var live in new[] { key, certificate })
        {
            File.Copy(live, live + PemCertState.Inventory.StagedFiles.Suffix);
            File.SetUnixFileMode(live + PemCertState.Inventory.StagedFiles.Suffix, Private);
        }
        var config = File.ReadAllText(lab.AgentConfig(1));
        File.WriteAllText(lab.AgentConfig(1), config.Replace(key, key + ".next", StringComparison.Ordinal).Replace(certificate, certificate + ".next", StringComparison.Ordinal));
        var link = Path.Combine(lab.DataDir, PemFiles.ServerKey + PemCertState.Inventory.StagedFiles.Suffix);
        File.CreateSymbolicLink(link, Path.Combine(lab.DataDir, PemFiles.ServerKey));

        // When the next apply runs over SSH
        var (plan, result) = await lab.ApplyAsync();

        // Then agent.cfg names the live pair again, the staged copies were removed last, and the link was named and left alone
        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal(config, File.ReadAllText(lab.AgentConfig(1)));
        Assert.Equal([certificate + ".next", key + ".next"], plan.Steps.SkipWhile(s => s.Action != Inventory.StepAction.RemoveLeftover).Select(s => s.Paths[0]).Order(StringComparer.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("\"server.key.next\" (it is a symbolic link)", StringComparison.Ordinal));
        Assert.False(File.Exists(key + ".next") || File.Exists(certificate + ".next"));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        File.Delete(link);
    }

    [Fact]
    public async Task A_pair_replaced_over_ssh_leaves_its_config_byte_for_byte_and_no_staged_copy()
    {
        // Given a converged server and agent over SSH, then the server's and the agent's keys deleted
        var host = sshd.Start("switch0");
        using var lab = SshLab.Create(sshd, [host], agents: 1);
        Assert.True((await lab.ApplyAsync()).Result.Succeeded);
        var configs = new[] { lab.AgentConfig(1), Path.Combine(lab.DataDir, PemFiles.PostgresqlConf) };
        var before = configs.ToDictionary(c => c, c => (File.ReadAllBytes(c), File.GetUnixFileMode(c)));
        File.Delete(Path.Combine(lab.CertDir(1), "agent1.key"));
        File.Delete(Path.Combine(lab.DataDir, PemFiles.ServerKey));

        // When both pairs are installed again over SSH (each through its staged copy, its config pointed there and back)
        var (_, result) = await lab.ApplyAsync();

        // Then both configs are byte for byte and mode for mode what they were, no staged copy is left, and the new pairs belong together
        Assert.True(result.Succeeded, result.Failure);
        foreach (var (config, (bytes, mode)) in before)
        {
            Assert.Equal(bytes, File.ReadAllBytes(config));
            Assert.Equal(mode, File.GetUnixFileMode(config));
        }
        Assert.Empty(Directory.EnumerateFiles(lab.Root, "*" + PemCertState.Inventory.StagedFiles.Suffix, SearchOption.AllDirectories));
        foreach (var (key, certificate) in new[] { (Path.Combine(lab.CertDir(1), "agent1.key"), Path.Combine(lab.CertDir(1), "agent1.crt")),
                     (Path.Combine(lab.DataDir, PemFiles.ServerKey), Path.Combine(lab.DataDir, PemFiles.ServerCertificate)) })
        {
            Assert.Equal(Private, File.GetUnixFileMode(key));
            Assert.Equal(SshOpenSsl.Run("pkey", "-in", key, "-pubout").Output, SshOpenSsl.Run("x509", "-in", certificate, "-noout", "-pubkey").Output);
        }
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    private static void AssertVerifies(string root, string certificate)
    {
        var (exit, output) = SshOpenSsl.Run("verify", "-CAfile", root, certificate);
        Assert.True(exit == 0, output);
    }
}
