using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>-v against the real PEM backend: a slow or failing database step can be found in the log.</summary>
public sealed class PostgresVerboseTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public void Verbose_plan_logs_the_database_connection_and_each_query_with_its_duration_and_no_key()
    {
        // Given a PEM backend converged by an apply
        postgres.RegisterAgent(41);
        var lab = new PemLab(postgres, "verbose", PemLab.PerAgent(41));
        var apply = Processes.Pemstate("apply", "--auto-approve", "-f", lab.InventoryPath);
        Assert.True(apply.ExitCode == 0, apply.Output);

        // When a plan runs with -v
        var plan = Processes.Pemstate("plan", "-v", "-f", lab.InventoryPath);

        // Then the connection and every query are logged with how long they took, and no key is
        Assert.True(plan.ExitCode == 0, plan.Output);
        Assert.Matches(@"info: PemCertState\.Database\[2101\] connected to the PEM database \S+ in \d+ ms", plan.Output);
        Assert.Matches(@"info: Npgsql\.Command\[\d+\] .*duration=\d+ ?ms", plan.Output);
        Assert.DoesNotContain("PRIVATE KEY", plan.Output, StringComparison.Ordinal);
    }
}
