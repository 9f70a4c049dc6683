using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Planning;
using Xunit;
using PemCertState.Inventory;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>A CA rotation on a real PostgreSQL: agents keep logging in with the old certificates until they get new ones.</summary>
public sealed class PostgresCaRotationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task During_a_CA_rotation_old_and_new_agent_certificates_both_log_in_and_afterwards_only_the_new_CA_is_trusted()
    {
        // Given a converged server with one agent, and a copy of that agent's current (old CA) pair
        postgres.RegisterAgent(31);
        var lab = new PemLab(postgres, "rotation", PemLab.PerAgent(31));
        await lab.ApplyAsync();
        var crt = Path.Combine(lab.CertDir(31), "agent31.crt");
        var key = Path.Combine(lab.CertDir(31), "agent31.key");
        var oldCrt = Path.Combine(lab.Folder, "old-agent31.crt");
        var oldKey = Path.Combine(lab.Folder, "old-agent31.key");
        File.Copy(crt, oldCrt);
        File.Copy(key, oldKey);
        File.SetUnixFileMode(oldKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // When the rotation runs up to the server reload that makes it trust both CAs (phase 1)
        await lab.ApplyAsync(options: new PlanOptions(RotateCa: true), stopAfter: s => s.Address == Addresses.ServerReloadTrustingBoth);

        // Then the agent, still on its old certificate, logs in (no outage)
        var during = postgres.AgentPsql("agent31", lab.RootCrt, oldCrt, oldKey);
        Assert.True(during.ExitCode == 0, during.Output);

        // When the next apply finishes the rotation (phases 2 and 3)
        await lab.ApplyAsync();

        // Then the agent's new certificate logs in, the old one is refused, and nothing is left to do
        var after = postgres.AgentPsql("agent31", lab.RootCrt, crt, key);
        Assert.True(after.ExitCode == 0, after.Output);
        var old = postgres.AgentPsql("agent31", lab.RootCrt, oldCrt, oldKey);
        Assert.NotEqual(0, old.ExitCode);
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }
}
