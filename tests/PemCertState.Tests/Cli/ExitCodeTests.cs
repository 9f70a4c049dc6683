using System.Text.Json;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// The contract a pipeline relies on (README, "Exit codes"): the built `pemstate` run as a child
/// process with stdin closed and CI=true. Each run must finish without a prompt, exit with the
/// documented code, and print exactly the snapshot on stdout, with no colour or progress escapes.
/// </summary>
public sealed class ExitCodeTests
{
    [Fact]
    public void Validate_with_errors_exits_1_names_each_problem_on_stderr_and_prints_nothing_on_stdout()
    {
        // Given an inventory with an unknown key and an undeclared host
        using var lab = Lab.Create(agents: 1);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("    - { id: 1, host: pem }", "    - { id: 1, host: nowhere }", StringComparison.Ordinal)
            .Replace("  renew_before: 30d\nserver:", "  renew_before: 30d\n  colour: blue\nserver:", StringComparison.Ordinal));

        // When
        var result = Unattended(lab, "validate");

        // Then
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Snapshot.Match(lab.Normalize(result.Stderr));
    }

    [Fact]
    public void Plan_with_detailed_exitcode_exits_2_while_changes_are_pending_and_0_once_applied()
    {
        // Given
        using var lab = Lab.Create(agents: 1);

        // When
        var before = Unattended(lab, "plan", "--detailed-exitcode");
        var apply = Unattended(lab, "apply", "--auto-approve");
        var after = Unattended(lab, "plan", "--detailed-exitcode");
        var plain = Unattended(lab, "plan");

        // Then
        Assert.Equal((2, ""), (before.ExitCode, before.Stderr));
        Snapshot.Match(lab.Normalize(before.Stdout), SnapshotNameExtension.Create("before"));
        Assert.Equal((0, ""), (apply.ExitCode, apply.Stderr));
        Assert.Equal((0, ""), (after.ExitCode, after.Stderr));
        Assert.Equal("No changes. Every certificate, key and setting matches the inventory.\n", after.Stdout);
        Assert.Equal(0, plain.ExitCode);
    }

    [Fact]
    public void Plan_without_detailed_exitcode_exits_0_even_with_changes_pending()
    {
        // Given
        using var lab = Lab.Create(agents: 1);

        // When
        var result = Unattended(lab, "plan");

        // Then
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("# ca on pem\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_markdown_prints_the_comment_and_keeps_the_detailed_exit_code()
    {
        // Given
        using var lab = Lab.Create(agents: 1);

        // When
        var result = Unattended(lab, "plan", "--markdown", "--detailed-exitcode");

        // Then
        Assert.Equal((2, ""), (result.ExitCode, result.Stderr));
        Assert.StartsWith(PlanMarkdownRenderer.Marker + "\n", result.Stdout, StringComparison.Ordinal);
        Snapshot.Match(lab.Normalize(result.Stdout));
    }

    [Fact]
    public void Verify_with_a_finding_exits_2_and_lists_it_on_stdout()
    {
        // Given a converged lab whose agent key became readable by others
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Unattended(lab, "apply", "--auto-approve").ExitCode);
        var clean = Unattended(lab, "verify");
        File.SetUnixFileMode(Path.Combine(lab.CertDir(1), "agent1.key"), (UnixFileMode)0b110_100_100);

        // When
        var result = Unattended(lab, "verify");

        // Then
        Assert.Equal(0, clean.ExitCode);
        Assert.Equal(2, result.ExitCode);
        Snapshot.Match(lab.Normalize(result.Stdout));
    }

    [Fact]
    public void Apply_without_a_terminal_exits_1_without_asking_and_changes_nothing()
    {
        // Given
        using var lab = Lab.Create(agents: 1);

        // When
        var result = Unattended(lab, "apply");

        // Then the plan is shown, no question is asked, and nothing is written
        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("Apply these steps?", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("pemstate: refusing to apply without a person to confirm; pass --auto-approve (or apply a saved plan) to apply unattended.\n", result.Stderr);
        Snapshot.Match(lab.Normalize(result.Stdout));
        Assert.False(Directory.Exists(lab.DataDir));
    }

    [Theory]
    [InlineData("plan", "--no-such-option")]
    [InlineData("plan", "--json", "--markdown")]
    [InlineData("plan", "--log-format", "xml")]
    [InlineData("plan", "-f", "missing.yaml")]
    public void Command_line_and_file_mistakes_exit_1(params string[] arguments)
    {
        // Given
        using var lab = Lab.Create(agents: 1);

        // When
        var result = Unattended(lab, arguments);

        // Then
        Assert.Equal(1, result.ExitCode);
        Assert.NotEqual("", result.Stderr);
        Assert.False(Directory.Exists(lab.DataDir));
    }

    [Fact]
    public void Log_format_json_writes_one_json_object_per_log_event_on_stderr_and_leaves_stdout_alone()
    {
        // Given
        using var lab = Lab.Create(agents: 1);

        // When
        var result = Unattended(lab, "apply", "--auto-approve", "--verbose", "--log-format", "json");

        // Then
        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("Apply complete: 15 steps on 9 resources.\n", result.Stdout, StringComparison.Ordinal);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 12, result.Stderr);
        Assert.All(lines, line =>
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
            Assert.Equal("Information", json.RootElement.GetProperty("LogLevel").GetString());
            Assert.True(json.RootElement.GetProperty("EventId").GetInt32() > 0);
            Assert.StartsWith("PemCertState.", json.RootElement.GetProperty("Category").GetString(), StringComparison.Ordinal);
        });
        Assert.Contains(lines, l => l.Contains("\"Address\":\"restart[server]\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Log_format_text_writes_one_plain_line_per_log_event()
    {
        // Given
        using var lab = Lab.Create(agents: 1);

        // When
        var result = Unattended(lab, "apply", "--auto-approve", "--verbose");

        // Then
        Assert.Equal(0, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.StartsWith("info: PemCertState.", line, StringComparison.Ordinal));
    }

    /// <summary>Runs pemstate as CI does and checks what holds for every run: it finished (stdin is closed, so a prompt would fail or hang) and wrote no terminal escapes.</summary>
    private static (int ExitCode, string Stdout, string Stderr) Unattended(Lab lab, params string[] arguments)
    {
        var result = Pemstate.Run(lab.Root, arguments);
        Assert.DoesNotContain('\u001b', result.Stdout);
        Assert.DoesNotContain('\u001b', result.Stderr);
        return result;
    }
}
