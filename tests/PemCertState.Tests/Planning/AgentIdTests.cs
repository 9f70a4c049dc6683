using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using PemCertState.Verification;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 20, item 2: EDB installs an agent's certificate on the host "where &lt;ID&gt; matches the agent_id in agent.cfg".
/// An agent.cfg that names another id is another PEM agent: its steps stop there, and plan and verify say why.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AgentIdTests
{
    [Fact]
    public async Task An_agent_cfg_with_another_agent_id_stops_that_agents_steps_and_is_reported()
    {
        // Given a converged lab whose agent 2 config says agent_id=9, at a date when every certificate is due for renewal
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        var config = lab.AgentConfig(2);
        File.WriteAllText(config, File.ReadAllText(config).Replace("agent_id=2", "agent_id=9", StringComparison.Ordinal));
        Assert.Contains("agent_id=9", File.ReadAllText(config), StringComparison.Ordinal);
        var later = Lab.Today.AddDays(340);

        // When it is planned and verified
        var plan = await lab.PlanAsync(later);
        var findings = OfflineVerifier.Verify(lab.Desired, await lab.ObserveAsync(), Lab.Today);

        // Then agent 1 is renewed, agent 2 is not touched, and the plan names the file and both ids
        Assert.Contains(plan.Steps, s => s.Address == Addresses.AgentCertificate(1));
        Assert.DoesNotContain(plan.Steps, s => s.Address.Agent == 2);
        var warning = Assert.Single(plan.Warnings, w => w.Contains("agent_id=9", StringComparison.Ordinal));
        Assert.Contains(config, warning, StringComparison.Ordinal);
        Assert.Contains("inventory lists it as agent 2", warning, StringComparison.Ordinal);
        Assert.Equal([2], plan.UnreadableAgents);
        Assert.Contains(findings, f => f.Address == Addresses.AgentCertificate(2).ToString() && f.Message.Contains("agent_id=9", StringComparison.Ordinal));

        // and once agent.cfg says 2 again, agent 2 is planned like the others
        File.WriteAllText(config, File.ReadAllText(config).Replace("agent_id=9", "agent_id=2", StringComparison.Ordinal));
        Assert.Contains((await lab.PlanAsync(later)).Steps, s => s.Address == Addresses.AgentCertificate(2));
    }
}
