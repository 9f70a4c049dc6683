using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>A saved plan depends on database rows too: a role made behind its back makes it stale.</summary>
public sealed class PostgresStalePlanTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public void A_saved_plan_is_refused_when_a_database_row_it_depends_on_changed_and_the_row_is_named()
    {
        // Given a saved plan for common-user agents whose role does not exist yet
        postgres.RegisterAgent(41);
        var lab = new PemLab(postgres, "stale", PemLab.PerAgent(41).Replace("agents:\n", "agents:\n  user: common\n  common_user: stale_common_user\n", StringComparison.Ordinal));
        var planFile = Path.Combine(lab.Folder, "change.plan");
        var plan = Processes.Pemstate("plan", "-f", lab.InventoryPath, "--out", planFile);
        Assert.True(plan.ExitCode == 0, plan.Output);
        Assert.Contains("role[stale_common_user]", plan.Output, StringComparison.Ordinal);

        // When someone creates the role by hand before the plan is applied
        postgres.Sql("pem", "CREATE ROLE stale_common_user LOGIN");
        var apply = Processes.Pemstate("apply", "-f", lab.InventoryPath, planFile);

        // Then apply refuses, naming the role row that changed, and nothing was written
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("stale plan", apply.Output, StringComparison.Ordinal);
        Assert.Contains("role stale_common_user: was exists=False", apply.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(lab.CertDir(41), "agent.crt")));
    }
}
