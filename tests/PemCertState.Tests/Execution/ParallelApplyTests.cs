using PemCertState.Observation;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Agents' steps run on up to --parallelism lanes at once (issue 5: many hosts at once), while design.md's
/// ordering rule 3 still holds: server side first, then every agent, then the server restart last.
/// </summary>
public sealed class ParallelApplyTests
{
    private const string SlowRestart = "restart: echo start {id} >> restarts.log; sleep 0.4; echo end {id} >> restarts.log";

    [Fact]
    public void Agents_are_worked_on_at_once_and_the_server_restarts_only_after_every_agent()
    {
        // Given a fresh lab of four agents whose restart takes a while
        using var lab = SlowLab();

        // When
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--parallelism", "4");

        // Then it converged
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Equal(0, Pemstate.Run(lab.Root, "plan", "--detailed-exitcode").ExitCode);
        var log = File.ReadAllLines(lab.RestartLog);
        // and some agent started its restart before another had finished its own
        Assert.True(Overlaps(log), string.Join(" | ", log));
        // and the server restarted last, once every agent had finished
        Assert.Equal("server", log[^1]);
        Assert.Equal(4, log.Count(l => l.StartsWith("end ", StringComparison.Ordinal)));
        Assert.Equal(9, log.Length);
    }

    [Fact]
    public void With_parallelism_1_agents_are_worked_on_one_after_another()
    {
        // Given
        using var lab = SlowLab();

        // When
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--parallelism", "1");

        // Then each agent's restart ended before the next began, in the plan's order
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Equal(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3", "start 4", "end 4", "server"], File.ReadAllLines(lab.RestartLog));
    }

    [Fact]
    public void Agents_applied_at_once_share_one_journal_that_names_every_step()
    {
        // Given
        using var lab = SlowLab();

        // When
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve", "--parallelism", "4").ExitCode);

        // Then the journal has a start and a completion line for every step, each whole, and the end
        var lines = File.ReadAllLines(Path.Combine(lab.StateDir, PemCertState.Execution.Journal.FileName));
        var journal = JournalReader.Read(string.Join("\n", lines))!;
        Assert.True(journal.Finished);
        Assert.Equal(Enumerable.Range(1, journal.Steps), journal.Completed);
        Assert.Empty(journal.Unfinished);
        Assert.Equal(2 + 2 * journal.Steps, lines.Length);
    }

    private static Lab SlowLab()
    {
        var lab = Lab.Create(agents: 4);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("restart: echo agent >> restarts.log", SlowRestart, StringComparison.Ordinal));
        return lab;
    }

    /// <summary>True when some "start" line comes before the "end" of a restart that started earlier.</summary>
    private static bool Overlaps(string[] log)
    {
        var running = 0;
        foreach (var line in log)
        {
            if (line.StartsWith("start ", StringComparison.Ordinal) && ++running > 1) return true;
            if (line.StartsWith("end ", StringComparison.Ordinal)) running--;
        }
        return false;
    }
}
