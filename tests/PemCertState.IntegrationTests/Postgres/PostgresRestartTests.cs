using System.Diagnostics;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Planning;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>Restarts of a real PostgreSQL: one still pending after an edit, one that returns before the server is up, and a server that is down.</summary>
public sealed class PostgresRestartTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task An_edit_without_restart_plans_a_pending_restart_and_apply_waits_until_the_server_accepts()
    {
        // Given files and postgresql.conf applied by an inventory whose restart command does nothing
        postgres.RegisterAgent(1);
        var lab = new PemLab(postgres, "pending", PemLab.PerAgent(1), restart: "true", reload: false);
        await lab.ApplyAsync();

        // When it is planned again
        var plan = await lab.PlanAsync();

        // Then the only step is the server restart: the server still presents the installer's certificate, which
        // pemstate refuses (root.crt now holds pemstate's CA) but tells apart from server.crt on disk
        var restart = Assert.Single(plan.Steps);
        Assert.Equal((Addresses.ServerRestart, StepAction.Restart), (restart.Address, restart.Action));
        Assert.StartsWith("the server still presents an older certificate than server.crt on disk", restart.Reason, StringComparison.Ordinal);
        Assert.Contains(plan.Warnings, w => w.Contains("O=PEM installer", StringComparison.Ordinal) && w.Contains("is not signed by a CA in", StringComparison.Ordinal));

        // Given a restart command that returns at once and starts the server 3 s later
        var pgCtl = $"runuser -u postgres -- {PostgresFixture.BinDir}/pg_ctl -D {postgres.DataDir}";
        lab.Rewrite("restart: \"true\"", $"restart: \"{pgCtl} -m fast -w stop && (sleep 3; {pgCtl} -l {postgres.LogFile} -w start) >/dev/null 2>&1 &\"");

        // When it is applied
        var clock = Stopwatch.StartNew();
        var (applied, result) = await lab.ApplyAsync();

        // Then apply returned only once the server accepted connections again, now with ssl on
        Assert.Equal([Addresses.ServerRestart], applied.Steps.Select(s => s.Address));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.5), $"apply returned after {clock.Elapsed}");
        Assert.Equal("on", postgres.Sql("pem", "SHOW ssl"));
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task A_server_that_presents_another_certificate_than_server_crt_is_restarted_whatever_its_restart_command_claimed()
    {
        // Given a server converged with a real restart, whose new server certificate was then installed by a restart
        // command that did nothing but succeed (so pemstate's own record says the server loaded it)
        postgres.RegisterAgent(1);
        var lab = new PemLab(postgres, "asked", PemLab.PerAgent(1), reload: false);
        await lab.ApplyAsync();
        Assert.True((await lab.PlanAsync()).IsEmpty);
        lab.Rewrite($"restart: \"{postgres.RestartCommand}\"", "restart: \"true\"");
        File.Delete(Path.Combine(postgres.DataDir, "server.crt"));
        await lab.ApplyAsync();

        // When it is planned again
        var plan = await lab.PlanAsync();

        // Then the server itself, asked over TLS, tells that it still runs the old certificate: its restart is planned
        var restart = Assert.Single(plan.Steps);
        Assert.Equal((Addresses.ServerRestart, StepAction.Restart), (restart.Address, restart.Action));
        Assert.Equal("the server still presents an older certificate than server.crt on disk (it was replaced without a restart)", restart.Reason);

        // and once it really restarts, nothing is left
        lab.Rewrite("restart: \"true\"", $"restart: \"{postgres.RestartCommand}\"");
        await lab.ApplyAsync();
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task With_the_database_down_plan_works_from_files_and_apply_refuses_the_role_step()
    {
        // Given an inventory whose database port has nothing listening, in common user mode
        var closedPort = postgres.Port + 1 == 65536 ? postgres.Port - 1 : postgres.Port + 1;
        var dataDir = Path.Combine(postgres.Root, "down-data");
        var lab = new PemLab(postgres, "down", PemLab.PerAgent(1).Replace("agents:\n", "agents:\n  user: common\n", StringComparison.Ordinal),
            restart: "true", database: $"{{ host: 127.0.0.1, port: {closedPort}, name: pem, user: postgres }}", dataDir: dataDir);

        // When it is planned
        var plan = await lab.PlanAsync();

        // Then the files are planned, the plan says the database was not reached, and the role step says why it is there
        Assert.Contains(plan.Steps, s => s.Address == Addresses.ServerCertificate);
        Assert.Contains(plan.Warnings, w => w.Contains("was not reached", StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s.Address.ToString() == "role[pem_agent_common_user]" && s.Reason.Contains("not reached", StringComparison.Ordinal));

        // When it is applied / Then it stops at the role step with a message that names the database
        var (_, result) = await lab.ApplyAsync(mustSucceed: false);
        Assert.False(result.Succeeded);
        Assert.Equal("role[pem_agent_common_user]", result.FailedStep!.Address.ToString());
        Assert.Contains("needs the PEM database", result.Failure, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{closedPort}", result.Failure, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Completed, s => s.Action == StepAction.Restart);
    }

    [Fact]
    public async Task The_server_restart_runs_last_after_every_agent_restart()
    {
        // Given two agents and restart commands that record the order in which they ran
        postgres.RegisterAgent(7);
        postgres.RegisterAgent(8);
        var folder = Path.Combine(postgres.Root, "restart-order");
        var order = Path.Combine(folder, "order.log");
        var agents = $$"""
            agents:
              subject: /C=IN/O=PEM
              defaults: { host: pem, cert_dir: "{folder}/agents/{id}/.pem", config: "{folder}/agents/{id}/agent.cfg", key: { algorithm: ecdsa, curve: p256 } }
              list:
                - { id: 7, restart: "echo agent7 >> {{order}}" }
                - { id: 8, restart: "echo agent8 >> {{order}}" }
            """;
        var lab = new PemLab(postgres, "restart-order", agents, restart: $"echo server >> {order} && {postgres.RestartCommand}", reload: false);
        await lab.ApplyAsync();

        // and a change on every side: the server's CRL and both agents' keys are gone
        File.Delete(order);
        File.Delete(Path.Combine(postgres.DataDir, "root.crl"));
        File.Delete(Path.Combine(lab.CertDir(7), "agent7.key"));
        File.Delete(Path.Combine(lab.CertDir(8), "agent8.key"));

        // When
        var (plan, _) = await lab.ApplyAsync();

        // Then the real restarts ran agents first (at once, in either order) and the server last, and the server came back on the new files
        var restarts = File.ReadAllLines(order);
        Assert.Equal("server", restarts[^1]);
        Assert.Equal(["agent7", "agent8"], restarts[..^1].Order());
        Assert.Equal(Addresses.ServerRestart, plan.Steps[^1].Address);
        foreach (var id in new[] { 7, 8 })
        {
            var psql = postgres.AgentPsql($"agent{id}", lab.RootCrt, Path.Combine(lab.CertDir(id), $"agent{id}.crt"), Path.Combine(lab.CertDir(id), $"agent{id}.key"));
            Assert.True(psql.ExitCode == 0, psql.Output);
        }
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }
}
