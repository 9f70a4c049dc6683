using PemCertState.Cli;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// `pemstate apply` run in-process through the command line's own table, with the edge's terminal decision handed in:
/// the restarts are shown as they run only when stderr is taken for a terminal. (Not a unit class: the lab's restarts run a shell.)
/// </summary>
public sealed class ApplyProgressTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Apply_shows_each_restart_as_it_runs_only_when_stderr_is_taken_for_a_terminal(bool terminal)
    {
        // Given a fresh lab with two agents (two agent restarts and the server's), and the edge's decision about stderr
        using var lab = Lab.Create(agents: 2);
        var stderr = new StringWriter();
        var edge = new CommandLine.Edge(new FixedClock(Lab.Today), Interrupts.None, null) { StderrIsTerminal = terminal, Stderr = stderr };

        // When apply runs unattended through the parser, one agent at a time
        var code = await CommandLine.Build(edge).Parse(["apply", "--auto-approve", "--parallelism", "1", "-f", lab.InventoryPath]).InvokeAsync();

        // Then it converged, and the progress writer got a line per restart on a terminal, and not one character otherwise
        Assert.Equal(0, code);
        Assert.Equal(3, File.ReadAllLines(lab.RestartLog).Length);
        var shown = stderr.ToString();
        if (!terminal)
        {
            Assert.Equal("", shown);
            return;
        }
        var lines = shown.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 3, shown);
        Assert.Matches(@"^Restarting agent 1 on pem \(command echo agent >> restarts.log\)\.\.\. done in \d+\.\d s$", lines[0]);
        Assert.Matches(@"^Restarting agent 2 on pem \(command echo agent >> restarts.log\)\.\.\. done in \d+\.\d s$", lines[1]);
        Assert.Matches(@"^Restarting server on pem \(command echo server >> restarts.log\)\.\.\. done in \d+\.\d s$", lines[2]);
    }

    [Fact]
    public void A_piped_apply_shows_no_progress_even_outside_CI()
    {
        // Given a fresh lab, and no CI variable
        using var lab = Lab.Create(agents: 2);

        // When apply runs as a child process with stderr piped
        var (code, stdout, stderr) = Pemstate.RunWith(lab.Root, new Dictionary<string, string?> { ["CI"] = null }, "apply", "--auto-approve");

        // Then the restarts ran and stderr has no progress line
        Assert.True(code == 0, stderr);
        Assert.Contains("Apply complete", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Restarting", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Connecting to", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', stderr);
    }
}
