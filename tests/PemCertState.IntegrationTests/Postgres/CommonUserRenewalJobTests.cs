using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Planning;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// Issue 20, item 3: with a common agent certificate EDB turns PEM's "Check CA certificate expiry" job off; pemstate does
/// it in common mode, and turns it on again when the agents go back to their own certificates. Its own server: the job's
/// state is the server's.
/// </summary>
public sealed class CommonUserRenewalJobTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Job = "SELECT jobenabled FROM pem.job WHERE jobname = 'Check CA certificate expiry'";

    [Fact]
    public async Task Common_mode_turns_the_renewal_job_off_and_per_agent_mode_turns_it_on_again()
    {
        // Given PEM's renewal job on, and an inventory whose agent uses the common certificate
        postgres.Sql("pem", "UPDATE pem.job SET jobenabled = true");
        postgres.RegisterAgent(1);
        var common = PemLab.PerAgent(1).Replace("agents:\n", "agents:\n  user: common\n", StringComparison.Ordinal);
        var lab = new PemLab(postgres, "common-job", common);

        // When it is applied
        var (plan, _) = await lab.ApplyAsync();

        // Then the job is off, the plan said why, and the next plan is empty
        Assert.Contains(plan.Steps, s => s.Action == StepAction.DisableJob && s.Reason.Contains("agents.user is common", StringComparison.Ordinal));
        Assert.Equal("f", postgres.Sql("pem", Job));
        Assert.True((await lab.PlanAsync()).IsEmpty);

        // When the agents go back to their own certificates
        lab.Rewrite("agents:\n  user: common\n", "agents:\n");
        (plan, _) = await lab.ApplyAsync();

        // Then the job is on again, and the next plan is empty
        Assert.Contains(plan.Steps, s => s.Action == StepAction.EnableJob && s.Reason.Contains("per-agent again", StringComparison.Ordinal));
        Assert.Equal("t", postgres.Sql("pem", Job));
        // (the agent has no restart command: once it has been restarted by hand, the next apply revokes the common
        // certificate it left and removes its files, issue 20 item 6; then nothing is left to do)
        var (left, _) = await lab.ApplyAsync();
        Assert.Contains(left.Steps, s => s.Action == StepAction.WriteCrl && s.Reason.Contains("the common certificate", StringComparison.Ordinal));
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }
}
