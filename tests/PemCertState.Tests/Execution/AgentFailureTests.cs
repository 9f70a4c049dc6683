using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>One agent's failure stays with that agent: the others converge, the server is not restarted.</summary>
public sealed class AgentFailureTests
{
    [Fact]
    public async Task A_failing_agent_restart_leaves_the_other_agents_converged_and_the_server_not_restarted()
    {
        // Given a lab whose agent 2 restart command fails
        using var lab = Lab.Create(agents: 3);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace(
            "    - { id: 2, host: pem }", "    - { id: 2, host: pem, restart: \"echo agent2 down >&2; exit 4\" }", StringComparison.Ordinal));

        // When
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then the failure is reported by host, step and error, agents 1 and 3 completed, and the server restart did not run
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("pemstate: restart[agent 2] (restart) failed on pem: 'echo agent2 down >&2; exit 4' exited with 4: agent2 down", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("not run: restart[server] (restart) on pem", apply.Stderr, StringComparison.Ordinal);
        Assert.Equal(["agent", "agent"], File.ReadAllLines(lab.RestartLog));
        Assert.True(File.Exists(Path.Combine(lab.CertDir(3), "agent3.crt")));

        // and the next plan owes exactly what did not happen: agent 2's restart and the server's
        var plan = await lab.PlanAsync();
        Assert.Equal(["restart[agent 2]", "restart[server]"], plan.Resources.Texts());
    }
}
