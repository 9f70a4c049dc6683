using PemCertState.Cli;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>Colours only for a person at a terminal: never in a pipe, never with NO_COLOR or --no-color.</summary>
public sealed class TerminalOutputTests
{
    private const string Escape = "\u001b[";

    [Fact]
    public void Forced_colour_puts_the_codes_around_the_plan_lines_and_stderr_stays_plain()
    {
        // Given a fresh lab (everything to create)
        using var lab = Lab.Create(agents: 1);

        // When the plan is asked for with colours forced on a pipe, as a CI log viewer that shows them would
        var (code, stdout, stderr) = Pemstate.RunWith(lab.Root, new Dictionary<string, string?> { ["FORCE_COLOR"] = "1", ["NO_COLOR"] = null }, "plan");

        // Then additions are green, the restart bold, the summary bold, and each line resets its colour
        Assert.True(code == 0, stderr);
        Assert.Contains("\u001b[32m  + generate key", stdout, StringComparison.Ordinal);
        Assert.Contains("\u001b[1m  ! restart", stdout, StringComparison.Ordinal);
        Assert.Contains("\u001b[1mPlan: ", stdout, StringComparison.Ordinal);
        Assert.All(stdout.Split('\n').Where(l => l.Contains(Escape, StringComparison.Ordinal)), l => Assert.EndsWith("\u001b[0m", l, StringComparison.Ordinal));
        Assert.DoesNotContain(Escape, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NO_COLOR")]
    [InlineData("--no-color")]
    [InlineData("piped")]
    public void No_colour_with_NO_COLOR_or_no_color_or_in_a_pipe(string how)
    {
        // Given a fresh lab
        using var lab = Lab.Create(agents: 1);
        var environment = new Dictionary<string, string?> { ["NO_COLOR"] = null, ["FORCE_COLOR"] = null };
        string[] arguments = ["plan"];
        if (how == "NO_COLOR") { environment["NO_COLOR"] = "1"; environment["FORCE_COLOR"] = "1"; }
        if (how == "--no-color") { environment["FORCE_COLOR"] = "1"; arguments = ["plan", "--no-color"]; }

        // When the plan is printed
        var (code, stdout, stderr) = Pemstate.RunWith(lab.Root, environment, arguments);

        // Then not one escape code, on either stream
        Assert.True(code == 0, stderr);
        Assert.Contains("+ generate key", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Escape, stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Escape, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Waiting_on_ssh_hosts_shows_no_progress_when_stderr_is_not_a_terminal()
    {
        // Given a lab whose second agent lives on an SSH host that refuses connections, and no CI variable
        using var lab = Lab.Create(agents: 2);
        var port = ClosedPort();
        File.WriteAllText(Path.Combine(lab.Root, "id_test"), "not a key\n");
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("  pem: { transport: local }", $"  pem: {{ transport: local }}\n  far: {{ transport: ssh, address: 127.0.0.1, port: {port}, user: root, identity_file: id_test }}", StringComparison.Ordinal)
            .Replace("    - { id: 2, host: pem }", "    - { id: 2, host: far }", StringComparison.Ordinal));

        // When a plan runs with stdout and stderr piped
        var (code, stdout, stderr) = Pemstate.RunWith(lab.Root, new Dictionary<string, string?> { ["CI"] = null }, "plan");

        // Then the host's failure is one plain line, with no spinner, no status text and no escape code around it
        Assert.Equal(1, code);
        Assert.Contains("far", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("observing", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Escape, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Escape, stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', stderr);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Theory]
    [InlineData(false, null, null, null, false, true)]
    [InlineData(false, null, null, null, true, false)]
    [InlineData(false, "", null, null, false, true)]
    [InlineData(false, "1", null, null, false, false)]
    [InlineData(false, "anything", "1", null, false, false)]
    [InlineData(true, null, "1", null, false, false)]
    [InlineData(false, null, "1", null, true, true)]
    [InlineData(false, null, "0", null, true, false)]
    [InlineData(false, null, null, "dumb", false, false)]
    public void The_colour_rule(bool noColorOption, string? noColor, string? forceColor, string? term, bool redirected, bool expected)
    {
        // Given the option, the environment and whether stdout is a terminal
        // When the rule is asked
        var colour = Terminal.ColourWanted(noColorOption, noColor, forceColor, term, redirected);

        // Then --no-color and a non-empty NO_COLOR always win; FORCE_COLOR colours a pipe; else a terminal gets colour
        Assert.Equal(expected, colour);
    }
}
