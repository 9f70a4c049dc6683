using System.Globalization;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>A restart command that hangs on an SSH host: closing the channel kills nothing there, so pemstate must.</summary>
public sealed class SshCommandTimeoutTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task A_hung_remote_restart_fails_its_step_at_the_timeout_and_its_remote_process_group_is_gone()
    {
        // Given an agent whose restart never ends, on an sshd host with a two-second command timeout
        var sleep = $"sleep 1000.{Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture)}";
        var host = sshd.Start("timeout0");
        using var lab = SshLab.Create(sshd, [host], agents: 1, agentRestart: $"{sleep} & {sleep}",
            hostLines: new Dictionary<string, string> { [host.Name] = "command_timeout: 2s" });
        try
        {
            // When applied
            var (_, result) = await lab.ApplyAsync();

            // Then that restart failed for its timeout, and neither sleep is left on the host
            var failure = Assert.Single(result.Failures);
            Assert.Equal("restart[agent 1]", failure.Step.Address.ToString());
            Assert.Contains($"`{sleep} & {sleep}` did not finish within 2 s; its process group was killed", failure.Error, StringComparison.Ordinal);
            Assert.Empty(Running(sleep));
        }
        finally
        {
            foreach (var pid in Running(sleep)) Processes.Run("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]);
        }
    }

    /// <summary>The sshd hosts are loopback processes: what runs "remotely" is visible in this machine's /proc.</summary>
    private static List<int> Running(string command) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => (Pid: int.TryParse(Path.GetFileName(d), out var p) ? p : 0, Folder: d))
            .Where(e => e.Pid > 0 && CommandLine(e.Folder) == command)
            .Select(e => e.Pid).ToList();

    private static string CommandLine(string folder)
    {
        try { return File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ').Trim(); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
