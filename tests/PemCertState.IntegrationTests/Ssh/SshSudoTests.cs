using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>A non-root login with sudo: true: files and commands go through sudo -n, and end up owned by root, 0600.</summary>
public sealed class SshSudoTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task A_sudo_host_converges_with_root_owned_private_files_and_a_second_plan_is_empty()
    {
        // Given the agents' host is reached as a non-root user with passwordless sudo, the agents owned by root
        var user = SshdFixture.EnsureSudoUser();
        var server = sshd.Start("sudosrv0");
        var agents = sshd.Start("sudo0");
        using var lab = SshLab.Create(sshd, [server, agents], agents: 2,
            hostLines: new Dictionary<string, string> { ["sudo0"] = "sudo: true" },
            users: new Dictionary<string, string> { ["sudo0"] = user });
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("    key: { algorithm: ecdsa, curve: p256 }\n  list:", "    key: { algorithm: ecdsa, curve: p256 }\n    owner: root\n  list:", StringComparison.Ordinal));
        Assert.Contains("owner: root", File.ReadAllText(lab.InventoryPath), StringComparison.Ordinal);
        // Agent folders the login user cannot enter: only sudo gets there.
        Directory.CreateDirectory(Path.Combine(lab.Root, "agents"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // When applied
        var (_, result) = await lab.ApplyAsync();

        // Then the agent on the sudo host has root-owned 0600 files that verify, and nothing is left to do
        Assert.True(result.Succeeded, result.Failure);
        var desired = lab.Desired;
        var agent = desired.Agents.List.Single(a => a.Host == "sudo0");
        var key = PemFiles.AgentKey(desired.Agents, agent);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal("root", SshdFixture.Run("stat", "-c", "%U", key).Output.Trim());
        var (exit, output) = SshOpenSsl.Run("verify", "-CAfile", Path.Combine(lab.DataDir, PemFiles.RootBundle), PemFiles.AgentCertificate(desired.Agents, agent));
        Assert.True(exit == 0, output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(lab.Root, ".pemstate-*", SearchOption.AllDirectories));
        var again = await lab.PlanAsync();
        Assert.True(again.IsEmpty, string.Join("\n", again.Steps.Select(s => $"{s.Address} {s.Action} {s.Reason}")));
    }

    /// <summary>
    /// Issue 16, item 8: a login that is neither root nor allowed sudo by the inventory ended in an unhandled exception
    /// and a stack trace once pemstate wrote into a folder the login cannot (the lock in data_dir). It must say which
    /// host, as whom, and what to change, and exit 1 before anything is written.
    /// </summary>
    [Fact]
    [Trait("Category", "Attack")]
    public void A_non_root_login_without_sudo_is_refused_naming_the_host_the_user_and_what_it_lacks()
    {
        // Given the server's host is reached as a non-root user, and the inventory does not enable sudo for it
        var user = SshdFixture.EnsureSudoUser();
        var host = sshd.Start("nosudo0");
        using var lab = SshLab.Create(sshd, [host], agents: 1, users: new Dictionary<string, string> { ["nosudo0"] = user });
        var before = lab.Fingerprint();

        foreach (var verb in new[] { new[] { "plan" }, ["apply", "--auto-approve"], ["status"], ["backups"] })
        {
            // When
            var run = SshCli.Run(lab.Root, [.. verb, "-f", lab.InventoryPath]);

            // Then exit 1, one clear line, no stack trace, and nothing changed
            Assert.True(run.ExitCode == 1, $"{verb[0]}: exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
            Assert.Contains($"nosudo0:{user}@127.0.0.1:{host.Port}: logged in as '{user}', who is not root, and sudo is not enabled for this host: " +
                "set sudo: true under hosts.nosudo0 in the inventory", run.Stderr, StringComparison.Ordinal);
            Assert.Contains("or log in as root", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, lab.Fingerprint());
        }
    }
}
