using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>Issue 20, item 8: without a restart command, the plan says who must be restarted by hand, and when.</summary>
[Trait("Category", "Unit")]
public sealed class RestartByHandTests
{
    [Fact]
    public async Task Without_restart_commands_the_plan_says_what_to_restart_by_hand_and_when()
    {
        // Given an inventory with no server restart and no agent restart
        using var lab = Lab.Create(agents: 2, serverRestart: "null", agentRestart: "null");

        // When a fresh tree is planned
        var plan = await lab.PlanAsync();

        // Then no restart step is planned, and the warnings name the agents and the server, and when to restart them
        Assert.DoesNotContain(plan.Steps, s => s.Action == StepAction.Restart);
        Assert.Contains(plan.Warnings, w => w.StartsWith("no restart command for agents 1, 2", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.StartsWith("server.restart is not set: restart PostgreSQL yourself when this apply ends", StringComparison.Ordinal));

        // and a CA rotation says that the server must restart twice, and between what
        await lab.ApplyAsync();
        var rotation = Planner.Create(lab.Desired, await lab.ObserveAsync(), Lab.Today, new PlanOptions { RotateCa = true });
        Assert.Contains(rotation.Warnings, w => w.Contains("this CA rotation needs PostgreSQL restarted twice", StringComparison.Ordinal));

        // and a converged tree says nothing of the kind
        Assert.DoesNotContain((await lab.PlanAsync()).Warnings, w => w.Contains("restart", StringComparison.Ordinal));
    }
}
