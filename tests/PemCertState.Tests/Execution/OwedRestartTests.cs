using System.Globalization;
using System.Text;
using PemCertState.Execution;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using PemCertState.State;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Issue 18, items 1 and 2: what a consumer must restart for follows from state (what it was last restarted with, against
/// the files on disk), not from the last journal alone.
/// </summary>
public sealed class OwedRestartTests
{
    private static readonly DateTimeOffset Renewal = Lab.Today.AddDays(340);

    private static Dictionary<string, string?> At(DateTimeOffset now) => new() { ["PEMSTATE_NOW"] = now.ToString("O", CultureInfo.InvariantCulture) };

    [Fact]
    [Trait("Category", "Crash")]
    public async Task A_kill_between_a_certificate_rename_and_its_journal_line_leaves_the_agent_restart_owed()
    {
        // Given a converged lab, renewed at day 340, killed right after agent 1's new certificate was renamed into place:
        // the journal never heard that its install completed
        using var lab = Lab.Create(agents: 2);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        Assert.True(Crash.KilledAfterRename(lab.Root, Path.Combine(lab.CertDir(1), "agent1.crt"), At(Renewal), "apply", "--auto-approve"));
        Assert.Contains((await lab.ObserveAsync()).Journal!.Unfinished, u => u.Contains("(agent[1].certificate install)", StringComparison.Ordinal));

        // When the next plan is made
        var plan = await lab.PlanAsync(Renewal);

        // Then agent 1 owes its restart (its files on disk are not the ones it was started with), and verify says so too
        Assert.Contains(plan.Steps, s => s.Address == Addresses.AgentRestart(1) && s.Action == StepAction.Restart);
        var findings = PemCertState.Verification.OfflineVerifier.Verify(lab.Desired, await lab.ObserveAsync(), Renewal);
        Assert.Contains(findings, f => f.Address == Addresses.AgentRestart(1).ToString());
    }

    [Fact]
    [Trait("Category", "Crash")]
    public async Task A_second_crash_does_not_forget_the_restart_the_first_owed()
    {
        // Given a renewal killed right after the server's new certificate was renamed (the server owes its restart), and the
        // rerun killed too, right after agent 1's new certificate, before any restart ran: its journal replaced the first one
        using var lab = Lab.Create(agents: 2);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        Assert.True(Crash.KilledAfterRename(lab.Root, Path.Combine(lab.DataDir, "server.crt"), At(Renewal), "apply", "--auto-approve"));
        Assert.Contains((await lab.PlanAsync(Renewal)).Steps, s => s.Address == Addresses.ServerRestart);
        Assert.True(Crash.KilledAfterRename(lab.Root, Path.Combine(lab.CertDir(1), "agent1.crt"), At(Renewal), "apply", "--auto-approve", "--break-lock"));

        // When the next plan is made
        var plan = await lab.PlanAsync(Renewal);

        // Then the server still owes the restart the first crash left, and agent 1 the one the second left
        Assert.Contains(plan.Steps, s => s.Address == Addresses.ServerRestart);
        Assert.Contains(plan.Steps, s => s.Address == Addresses.AgentRestart(1));
    }

    [Fact]
    public async Task A_restart_that_fails_stays_owed_and_one_that_succeeds_is_recorded()
    {
        // Given a converged lab whose server restart fails
        using var lab = Lab.Create(agents: 1, serverRestart: "'test ! -e fail-restart'");
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        File.WriteAllText(Path.Combine(lab.Root, "fail-restart"), "");

        // When a renewal runs and the server restart fails
        var failed = Pemstate.RunWith(lab.Root, At(Renewal), "apply", "--auto-approve");
        Assert.NotEqual(0, failed.ExitCode);

        // Then the restart is still owed, and once it succeeds nothing is
        Assert.Contains((await lab.PlanAsync(Renewal)).Steps, s => s.Address == Addresses.ServerRestart);
        File.Delete(Path.Combine(lab.Root, "fail-restart"));
        Assert.Equal(0, Pemstate.RunWith(lab.Root, At(Renewal), "apply", "--auto-approve").ExitCode);
        Assert.Empty((await lab.PlanAsync(Renewal)).Steps);
        var loaded = (await lab.ObserveAsync()).Loaded!;
        Assert.Equal(["agent[1]", "server"], loaded.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_reload_that_fails_stays_owed_and_one_that_succeeds_is_recorded_for_the_server()
    {
        // Given a converged lab whose server reloads (its restart would say so in the log) with a command that fails
        using var lab = Lab.Create(agents: 1, serverRestart: "'echo server >> restarts.log'");
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("  restart: 'echo server >> restarts.log'\n", "  restart: 'echo server >> restarts.log'\n  reload: \"test ! -e fail-reload\"\n", StringComparison.Ordinal));
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        File.WriteAllText(Path.Combine(lab.Root, "fail-reload"), "");

        // When a renewal runs and the server reload fails
        Assert.NotEqual(0, Pemstate.RunWith(lab.Root, At(Renewal), "apply", "--auto-approve").ExitCode);

        // Then the reload is still owed, and once it succeeds nothing is, and the server never restarted
        Assert.Contains((await lab.PlanAsync(Renewal)).Steps, s => s.Address == Addresses.ServerReload && s.Action == StepAction.Reload);
        File.Delete(Path.Combine(lab.Root, "fail-reload"));
        Assert.Equal(0, Pemstate.RunWith(lab.Root, At(Renewal), "apply", "--auto-approve").ExitCode);
        Assert.Empty((await lab.PlanAsync(Renewal)).Steps);
        Assert.Equal(["agent[1]", "server"], (await lab.ObserveAsync()).Loaded!.Keys.Order(StringComparer.Ordinal));
        Assert.False(File.Exists(lab.RestartLog) && File.ReadAllText(lab.RestartLog).Contains("server", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_consumer_whose_record_differs_from_its_files_owes_its_restart_whatever_the_journal_says()
    {
        // Given a converged lab: its journal says finished, and every consumer's record matches its files
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        Assert.Empty((await lab.PlanAsync()).Steps);
        var records = Path.Combine(lab.StateDir, StateFiles.LoadedName);
        Assert.Equal(["agent[1]", "server"], LoadedFilesFormat.Read(File.ReadAllBytes(records)).Keys.Order(StringComparer.Ordinal));

        // When agent 1's last record says it was started with other files
        File.AppendAllText(records, $"{{\"consumer\":\"agent[1]\",\"fingerprint\":\"{new string('0', 64)}\",\"time\":\"2026-11-27T12:00:00+00:00\"}}\n");

        // Then the plan restarts agent 1 and nothing else
        Assert.True((await lab.ObserveAsync()).Journal!.Finished);
        var plan = await lab.PlanAsync();
        Assert.Equal([Addresses.AgentRestart(1)], plan.Steps.Select(s => s.Address));
        Assert.Equal(OwedRestarts.Why, plan.Steps[0].Reason);

        // and after that restart, nothing is owed
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public void The_record_file_is_read_as_untrusted_input()
    {
        var sha = new string('a', 64);
        var text = string.Join("\n",
            $"{{\"consumer\":\"server\",\"fingerprint\":\"{sha}\",\"time\":\"2026-11-27T12:00:00Z\"}}",
            $"{{\"consumer\":\"agent[2]\",\"fingerprint\":\"unknown\",\"time\":\"2026-11-27T12:00:00Z\"}}",
            $"{{\"consumer\":\"../etc\",\"fingerprint\":\"{sha}\",\"time\":\"2026-11-27T12:00:00Z\"}}",
            $"{{\"consumer\":\"web\",\"fingerprint\":\"{sha.ToUpperInvariant()}\",\"time\":\"2026-11-27T12:00:00Z\"}}",
            "not json",
            $"{{\"consumer\":\"agent[2]\",\"fingerprint\":\"{sha}\",\"ti"); // torn last line

        var records = LoadedFilesFormat.Read(Encoding.UTF8.GetBytes(text));

        Assert.Equal(2, records.Count);
        Assert.Equal(sha, records["server"]);
        Assert.Equal(LoadedFilesFormat.Unknown, records["agent[2]"]);
    }
}
