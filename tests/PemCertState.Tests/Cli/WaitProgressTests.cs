using Microsoft.Extensions.Time.Testing;
using PemCertState.Cli;
using PemCertState.Execution;
using PemCertState.Inventory;
using PemCertState.Planning;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>The terminal's progress for long waits: restarts and reloads as they run, SSH connects counted, whole lines only.</summary>
[Trait("Category", "Unit")]
public sealed class WaitProgressTests
{
    private static readonly RestartStep AgentRestart = new(ResourceAddress.Parse("restart[agent 3]"), "db-7", "new certificate", "systemctl restart pemagent");
    private static readonly PlanStep ServerReload = new ReloadStep(ResourceAddress.Parse("reload[server]"), "pem", "new certificate", null);
    private static readonly PlanStep Install = new InstallStep(ResourceAddress.Parse("agent[3].certificate"), "db-7", "new certificate", "/a.key", "/a.crt", ResourceAddress.Parse("agent[3].certificate"), null);

    [Theory]
    [InlineData(false, null, "xterm", true)]
    [InlineData(false, "", "xterm", true)]
    [InlineData(false, "false", "xterm", true)]
    [InlineData(true, null, "xterm", false)]
    [InlineData(false, "true", "xterm", false)]
    [InlineData(false, "1", "xterm", false)]
    [InlineData(false, null, "dumb", false)]
    public void Progress_goes_to_stderr_only_when_it_is_a_terminal_outside_CI_and_not_dumb(bool redirected, string? ci, string? term, bool wanted)
    {
        // Given how stderr, CI and TERM stand; When the rule is asked; Then it answers as a person at a terminal would want
        Assert.Equal(wanted, Terminal.ProgressWanted(redirected, ci, term));
    }

    [Fact]
    public void Not_on_a_terminal_there_is_no_progress_at_all()
    {
        // Given a writer that is not believed to be a terminal; When the progress for it is asked for; Then there is none
        Assert.Null(WaitProgress.For(stderrIsTerminal: false, new StringWriter(), TimeProvider.System));
    }

    [Fact]
    public void A_restart_is_one_line_with_its_command_and_how_long_it_took_and_other_steps_say_nothing()
    {
        // Given progress on a terminal
        var output = new StringWriter();
        var progress = WaitProgress.For(stderrIsTerminal: true, output, TimeProvider.System)!;

        // When an install, an agent's restart and the server's reload (over the database) begin and end
        foreach (var (step, n, seconds) in new (PlanStep, int, double)[] { (Install, 1, 0.5), (AgentRestart, 2, 1.24), (ServerReload, 3, 0.04) })
        {
            progress.Report(new StepProgress(n, step, Ended: false, TimeSpan.Zero));
            progress.Report(new StepProgress(n, step, Ended: true, TimeSpan.FromSeconds(seconds)));
        }

        // Then the restart and the reload are a line each, and the install is not shown
        Assert.Equal(
            "Restarting agent 3 on db-7 (command systemctl restart pemagent)... done in 1.2 s\n" +
            "Reloading server on pem (SELECT pg_reload_conf() over server.database)... done in 0.0 s\n",
            output.ToString());
    }

    [Fact]
    public void Restarts_that_overlap_each_get_a_whole_line_and_a_failure_says_so()
    {
        // Given progress on a terminal, and two agents restarting at once (their lanes run in parallel)
        var output = new StringWriter();
        var progress = WaitProgress.For(stderrIsTerminal: true, output, TimeProvider.System)!;
        var other = AgentRestart with { Address = ResourceAddress.Parse("restart[agent 4]"), Host = "db-8" };

        // When agent 3 begins, agent 4 begins, agent 3 ends, agent 4 fails
        progress.Report(new StepProgress(5, AgentRestart, Ended: false, TimeSpan.Zero));
        progress.Report(new StepProgress(6, other, Ended: false, TimeSpan.Zero));
        progress.Report(new StepProgress(5, AgentRestart, Ended: true, TimeSpan.FromSeconds(2)));
        progress.Report(new StepProgress(6, other, Ended: true, TimeSpan.FromSeconds(3), "exit code 1"));

        // Then no line is written into another
        Assert.Equal(
            "Restarting agent 3 on db-7 (command systemctl restart pemagent)... \n" +
            "Restarting agent 4 on db-8 (command systemctl restart pemagent)... \n" +
            "Restarted agent 3 on db-7: done in 2.0 s\n" +
            "Restarted agent 4 on db-8: failed after 3.0 s\n",
            output.ToString());
    }

    [Fact]
    public void Host_text_in_a_restart_line_cannot_drive_the_terminal()
    {
        // Given a restart whose host and command carry an escape sequence
        var output = new StringWriter();
        var progress = WaitProgress.For(stderrIsTerminal: true, output, TimeProvider.System)!;
        var hostile = AgentRestart with { Host = "db\u001b[2J", Command = "restart\u001b]0;x\u0007" };

        // When it begins and ends
        progress.Report(new StepProgress(1, hostile, Ended: false, TimeSpan.Zero));
        progress.Report(new StepProgress(1, hostile, Ended: true, TimeSpan.Zero));

        // Then no control character reaches the terminal
        Assert.DoesNotContain(output.ToString().TrimEnd('\n'), c => char.IsControl(c));
        Assert.Contains("U+001B", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void While_the_key_bar_owns_the_terminal_restarts_are_not_shown_and_the_ones_after_it_are()
    {
        // Given progress on a terminal, quiet while another live display is up
        var output = new StringWriter();
        var progress = WaitProgress.For(stderrIsTerminal: true, output, TimeProvider.System)!;
        var other = AgentRestart with { Address = ResourceAddress.Parse("restart[agent 4]") };

        // When one restart begins while quiet and ends after, and another runs after
        using (progress.Quiet())
            progress.Report(new StepProgress(1, AgentRestart, Ended: false, TimeSpan.Zero));
        progress.Report(new StepProgress(1, AgentRestart, Ended: true, TimeSpan.Zero));
        progress.Report(new StepProgress(2, other, Ended: false, TimeSpan.Zero));
        progress.Report(new StepProgress(2, other, Ended: true, TimeSpan.Zero));

        // Then only the second is shown, whole
        Assert.Equal("Restarting agent 4 on db-7 (command systemctl restart pemagent)... done in 0.0 s\n", output.ToString());
    }

    [Fact]
    public void SSH_connects_are_counted_at_most_once_a_second_and_when_all_are_up()
    {
        // Given progress on a terminal with a clock the test moves, and a run with 4 SSH hosts
        var output = new StringWriter();
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var progress = WaitProgress.For(stderrIsTerminal: true, output, clock)!;
        var connected = progress.ConnectCounter(4)!;

        // When two connect at once, a third 1.5 s later, the fourth at once after it
        connected("a");
        connected("b");
        clock.Advance(TimeSpan.FromSeconds(1.5));
        connected("c");
        connected("d");

        // Then one line when a second had passed, and one when all were up
        Assert.Equal("Connecting to 4 hosts: 3/4\nConnecting to 4 hosts: 4/4\n", output.ToString());
    }

    [Fact]
    public void One_SSH_host_is_not_counted()
    {
        // Given progress on a terminal; When a run with one SSH host asks for a counter; Then there is none
        Assert.Null(WaitProgress.For(stderrIsTerminal: true, new StringWriter(), TimeProvider.System)!.ConnectCounter(1));
    }
}
