using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>Rollback on a real PostgreSQL: a CA rotation undone, the server back on its old files, the old agents logging in again.</summary>
public sealed class PostgresRollbackTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Rolling_back_a_CA_rotation_restarts_the_server_on_the_old_files_and_the_old_agent_certificates_log_in_again()
    {
        // Given a converged server with one agent, whose CA is then rotated by a second apply
        postgres.RegisterAgent(21);
        var lab = new PemLab(postgres, "rollback", PemLab.PerAgent(21));
        await lab.ApplyAsync();
        var crt = Path.Combine(lab.CertDir(21), "agent21.crt");
        var key = Path.Combine(lab.CertDir(21), "agent21.key");
        var oldCrt = File.ReadAllBytes(crt);
        var oldRoot = File.ReadAllBytes(lab.RootCrt);
        lab.Rewrite("CN=pem-ca", "CN=pem-ca-2026");
        await lab.ApplyAsync();
        Assert.NotEqual(oldRoot, File.ReadAllBytes(lab.RootCrt));

        // When the rotation is rolled back with the CLI
        var rollback = Processes.Pemstate("rollback", "--auto-approve", "-f", lab.InventoryPath);

        // Then the old root.crt and agent certificate are back, and the server, restarted last, accepts the old agent certificate
        Assert.True(rollback.ExitCode == 0, rollback.Output);
        Assert.Equal(oldRoot, File.ReadAllBytes(lab.RootCrt));
        Assert.Equal(oldCrt, File.ReadAllBytes(crt));
        var psql = postgres.AgentPsql("agent21", lab.RootCrt, crt, key);
        Assert.True(psql.ExitCode == 0, psql.Output);
        Assert.Equal("on", postgres.Sql("pem", "SHOW ssl"));

        // and the plan shows the drift the rollback brought back: the inventory still wants the new CA
        Assert.Contains("# ca on pem", rollback.Output, StringComparison.Ordinal);
        Assert.Contains("ca", (await lab.PlanAsync()).Resources.Texts());
    }
}
