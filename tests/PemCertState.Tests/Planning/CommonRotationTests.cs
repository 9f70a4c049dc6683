using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>--rotate-common: the shared common-user certificate replaced on every agent, with the warning that every agent reconnects.</summary>
public sealed class CommonRotationTests
{
    [Fact]
    public async Task Rotate_common_issues_a_new_pair_installs_it_on_every_agent_and_restarts_each()
    {
        // Given a converged common-user lab of three agents
        using var lab = Lab.Create(agents: 3, user: "common");
        await lab.ApplyAsync();
        var before = File.ReadAllText(Path.Combine(lab.CertDir(1), "agent.crt"));
        File.WriteAllText(lab.RestartLog, "");

        // When
        var plan = Planner.Create(lab.Desired, await lab.ObserveAsync(), Lab.Today, new PlanOptions(RotateCommon: true));

        // Then one new pair, installed on every agent, every agent restarted, the server left alone, and the warning
        Assert.Equal(
            ["agents.common_certificate", "agent[1].certificate", "restart[agent 1]", "agent[2].certificate", "restart[agent 2]", "agent[3].certificate", "restart[agent 3]"],
            plan.Resources.Texts());
        Assert.Equal(1, plan.Steps.Count(s => s.Action == StepAction.GenerateKey));
        Assert.All(plan.Steps.OfType<InstallStep>(), s => Assert.Equal(Addresses.CommonAgentCertificate, s.Source));
        Assert.StartsWith("--rotate-common asks for a new common-user certificate", plan.Steps[0].Reason, StringComparison.Ordinal);
        var warning = Assert.Single(plan.Warnings);
        Assert.Contains("installed on every agent (3) and every agent restarts: every agent reconnects", warning, StringComparison.Ordinal);

        // and when applied, every agent holds the same new certificate, and a plan without the flag is empty
        await using var hosts = new PemCertState.Hosts.HostSet(lab.Desired);
        var executor = new PemCertState.Execution.Executor(hosts, Microsoft.Extensions.Logging.Abstractions.NullLogger<PemCertState.Execution.Executor>.Instance, new FixedClock(Lab.Today));
        Assert.True((await executor.ApplyAsync(lab.Desired, await lab.ObserveAsync(), plan, 1, null, CancellationToken.None)).Succeeded);
        var after = Enumerable.Range(1, 3).Select(id => File.ReadAllText(Path.Combine(lab.CertDir(id), "agent.crt"))).Distinct().ToList();
        Assert.NotEqual(before, Assert.Single(after));
        Assert.Equal(["agent", "agent", "agent"], File.ReadAllLines(lab.RestartLog));
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task Rotate_common_with_per_agent_certificates_changes_nothing_and_says_so()
    {
        // Given
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();

        // When
        var plan = Planner.Create(lab.Desired, await lab.ObserveAsync(), Lab.Today, new PlanOptions(RotateCommon: true));

        // Then
        Assert.Empty(plan.Steps);
        Assert.Contains("--rotate-common does nothing here: agents.user is per-agent", Assert.Single(plan.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_plan_and_apply_rotate_common_warn_that_every_agent_reconnects()
    {
        // Given a converged common-user lab
        using var lab = Lab.Create(agents: 2, user: "common");
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        var before = File.ReadAllText(Path.Combine(lab.CertDir(2), "agent.crt"));

        // When
        var plan = Pemstate.Run(lab.Root, "plan", "--rotate-common", "--detailed-exitcode");
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--rotate-common");

        // Then the plan shows the warning and exits 2 (changes pending)
        Assert.Equal(2, plan.ExitCode);
        Assert.Contains("Warning: --rotate-common: a new pem_agent_common_user certificate is installed on every agent (2)", plan.Stdout, StringComparison.Ordinal);
        // and apply prints it with the plan, logs it on stderr, and replaces the pair
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Contains("Warning: --rotate-common", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains("applying a plan with a warning: --rotate-common", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("every agent reconnects", apply.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(before, File.ReadAllText(Path.Combine(lab.CertDir(2), "agent.crt")));
        Assert.Equal(File.ReadAllText(Path.Combine(lab.CertDir(1), "agent.crt")), File.ReadAllText(Path.Combine(lab.CertDir(2), "agent.crt")));
        Assert.Equal(0, Pemstate.Run(lab.Root, "plan", "--detailed-exitcode").ExitCode);
    }
}
