using System.Diagnostics;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// One agent whose file the host layer refuses (a FIFO at its certificate's path) must not stop the fleet (issue 18,
/// item 10): that agent is reported and left alone, the others are planned and applied.
/// </summary>
public sealed class UnreadableAgentTests
{
    [Fact]
    public async Task An_agent_with_a_fifo_for_a_certificate_is_reported_and_left_alone_while_the_others_are_planned()
    {
        // Given a converged lab where agent 1's certificate became a FIFO and agent 2's key is gone
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        var desired = lab.Desired;
        var fifo = PemFiles.AgentCertificate(desired.Agents, desired.Agents.List[0]);
        File.Delete(fifo);
        MakeFifo(fifo);
        File.Delete(PemFiles.AgentKey(desired.Agents, desired.Agents.List[1]));

        // When planned, applied, shown and verified
        var plan = await lab.PlanAsync();
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        var status = Pemstate.Run(lab.Root, "status");
        var verify = Pemstate.Run(lab.Root, "verify");

        // Then agent 1 has no step and a warning that names its file; agent 2 is re-keyed; agent 1's FIFO is untouched
        Assert.DoesNotContain(plan.Steps, s => s.Address.ToString().StartsWith("agent[1]", StringComparison.Ordinal) || s.Address.ToString() == "restart[agent 1]");
        Assert.Contains(plan.Steps, s => s.Address == Addresses.AgentCertificate(2) && s.Action == StepAction.Install);
        Assert.Contains(plan.Warnings, w => w.StartsWith("agent[1].certificate is not planned: ", StringComparison.Ordinal) && w.Contains(fifo, StringComparison.Ordinal));
        Assert.Equal([1], plan.UnreadableAgents);
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.True(File.Exists(PemFiles.AgentKey(desired.Agents, desired.Agents.List[1])));
        Assert.Equal("fifo", KindOf(fifo));
        Assert.Matches(@"agent\[1\]\.certificate +- .* unreadable\n", status.Stdout);
        Assert.Equal(2, verify.ExitCode);
        Assert.Contains("agent[1].certificate", verify.Stdout + verify.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_that_replaces_the_CA_is_refused_while_an_agent_is_unreadable()
    {
        // Given a converged lab where agent 1's key became a FIFO
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        var desired = lab.Desired;
        var key = PemFiles.AgentKey(desired.Agents, desired.Agents.List[0]);
        File.Delete(key);
        MakeFifo(key);

        // When a CA rotation is asked for
        var result = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--rotate-ca");

        // Then it is refused: a new CA would lock out the agent nothing is known of
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("would lock out agents 1 whose files cannot be read", result.Stderr, StringComparison.Ordinal);
    }

    private static string KindOf(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true })!;
        var kind = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return kind;
    }

    private static void MakeFifo(string path)
    {
        using var process = Process.Start("mkfifo", [path]);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
