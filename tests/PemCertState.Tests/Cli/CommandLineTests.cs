using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>`pemstate` as scripts see it: exit codes, no prompts without a terminal, stdout that a pipeline can diff.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Plan_with_detailed_exitcode_says_2_before_apply_and_0_after()
    {
        // Given
        using var lab = Lab.Create();

        // When
        var before = Pemstate.Run(lab.Root, "plan", "--detailed-exitcode");
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        var after = Pemstate.Run(lab.Root, "plan", "--detailed-exitcode");

        // Then
        Assert.True(before.ExitCode == 2, before.Stderr);
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Contains("Apply complete", apply.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, after.ExitCode);
        Assert.Equal("No changes. Every certificate, key and setting matches the inventory.\n", after.Stdout);
    }

    [Fact]
    public void Apply_without_a_terminal_refuses_to_run_without_auto_approve_and_changes_nothing()
    {
        // Given
        using var lab = Lab.Create();

        // When
        var result = Pemstate.Run(lab.Root, "apply");

        // Then
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--auto-approve", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(lab.DataDir));
    }

    [Fact]
    public void Verify_exits_2_with_a_finding_for_a_key_others_can_read()
    {
        // Given
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        Assert.Equal(0, Pemstate.Run(lab.Root, "verify").ExitCode);
        File.SetUnixFileMode(Path.Combine(lab.CertDir(1), "agent1.key"), (UnixFileMode)0b110_100_100);

        // When
        var result = Pemstate.Run(lab.Root, "verify");

        // Then
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"agent[1].certificate: pem:{Path.Combine(lab.CertDir(1), "agent1.key")}: mode 0644, want 0600", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_reports_every_problem_with_its_line_and_column_and_observes_nothing()
    {
        // Given an inventory with two mistakes
        using var lab = Lab.Create(agents: 1);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("    - { id: 1, host: pem }", "    - { id: 1, host: nowhere }", StringComparison.Ordinal)
            .Replace("  renew_before: 30d\nserver:", "  renew_before: 30d\n  colour: blue\nserver:", StringComparison.Ordinal));

        // When
        var validate = Pemstate.Run(lab.Root, "validate");
        var plan = Pemstate.Run(lab.Root, "plan");

        // Then
        Assert.Equal(1, validate.ExitCode);
        Assert.Contains("pemstate.yaml:10:3:", validate.Stderr, StringComparison.Ordinal);
        Assert.Contains("nowhere", validate.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, plan.ExitCode);
        Assert.False(Directory.Exists(lab.DataDir));
    }

    [Fact]
    public void Status_lists_every_certificate_with_days_left()
    {
        // Given
        using var lab = Lab.Create(agents: 2);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);

        // When
        var result = Pemstate.Run(lab.Root, "status");

        // Then
        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.Matches(@"^ca\s+/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca\s+/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca\s+2036-11-\d\d\s+3650\s+ok$", lines[1]);
        Assert.Matches(@"^agent\[2\]\.certificate\s+/C=IN/ST=MH/L=Pune/O=PEM/CN=agent2\s+.*\s+365\s+ok$", lines[5]);
    }
}
