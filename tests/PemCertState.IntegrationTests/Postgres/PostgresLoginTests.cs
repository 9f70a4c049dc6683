using PemCertState.Application;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Verification;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// The self-signed tree applied to a real PostgreSQL, restarted through the inventory's command, then proven
/// with real certificate logins: psql (libpq, the independent checker) and Npgsql (verify --connect).
/// One server for the class; each test has its own agents folder, the server side converges once.
/// </summary>
public sealed class PostgresLoginTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Applied_agent_certificates_log_in_with_psql_and_verify_connect_and_a_second_plan_is_empty()
    {
        // Given two registered agents (pem.agent rows and roles, as PEM makes them)
        postgres.RegisterAgent(1);
        postgres.RegisterAgent(2);
        var lab = new PemLab(postgres, "per-agent", PemLab.PerAgent(1, 2));

        // When pemstate applies and restarts the server through the inventory's command
        await lab.ApplyAsync();

        // Then the server runs with ssl on our files
        Assert.Equal("on", postgres.Sql("pem", "SHOW ssl"));

        // and psql logs in as each agent with its own certificate, as EDB's procedure does
        foreach (var id in new[] { 1, 2 })
        {
            var psql = postgres.AgentPsql($"agent{id}", lab.RootCrt,
                Path.Combine(lab.CertDir(id), $"agent{id}.crt"), Path.Combine(lab.CertDir(id), $"agent{id}.key"));
            Assert.True(psql.ExitCode == 0, psql.Output);
            Assert.Equal("1", psql.Output.Trim());
        }

        // and agent1's certificate does not let it log in as agent2 (cert auth compares the CN)
        var impostor = postgres.AgentPsql("agent2", lab.RootCrt, Path.Combine(lab.CertDir(1), "agent1.crt"), Path.Combine(lab.CertDir(1), "agent1.key"));
        Assert.NotEqual(0, impostor.ExitCode);
        Assert.Contains("certificate authentication failed for user \"agent2\"", impostor.Output, StringComparison.Ordinal);

        // and verify --connect's logins agree, and the server presents the server.crt on disk
        var (desired, observed) = await lab.ObserveAsync();
        await using var hosts = new HostSet(desired);
        var live = await LiveVerifier.VerifyAsync(desired, observed, ObservedKey.ReaderOn(hosts), CancellationToken.None);
        Assert.Empty(live.Findings);
        Assert.All(live.Logins, l => Assert.True(l.Succeeded, l.Message));
        Assert.Equal([1, 2], live.Logins.Select(l => l.AgentId));
        Assert.Empty(DatabaseVerifier.Verify(desired, observed));
        var cli = Processes.Pemstate("verify", "--connect", "-f", lab.InventoryPath);
        Assert.True(cli.ExitCode == 0, cli.Output);
        Assert.Contains("agent 2 as agent2: ok", cli.Output, StringComparison.Ordinal);

        // and the next plan is empty: nothing pending, not even a restart
        var again = await lab.PlanAsync();
        Assert.True(again.IsEmpty, string.Join("\n", again.Steps.Select(s => $"{s.Address} {s.Action}: {s.Reason}")));
        Assert.Empty(again.Warnings);
    }

    [Fact]
    public async Task A_certificate_from_a_foreign_CA_fails_login_and_verify_connect_reports_it()
    {
        // Given a converged server and agent 3, whose files are then replaced by a pair from another CA
        postgres.RegisterAgent(3);
        var lab = new PemLab(postgres, "foreign", PemLab.PerAgent(3));
        await lab.ApplyAsync();
        var foreignCa = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(30));
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var certificate = foreignCa.Issue("/C=IN/O=PEM/CN=agent3", key.Public, LeafUsage.Client, DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(30));
        var crt = Path.Combine(lab.CertDir(3), "agent3.crt");
        var keyFile = Path.Combine(lab.CertDir(3), "agent3.key");
        File.WriteAllText(crt, PemCodec.EncodeCertificate(certificate));
        File.WriteAllText(keyFile, PemCodec.EncodePrivateKey(key.Private));

        // When psql and verify --connect log in with it
        var psql = postgres.AgentPsql("agent3", lab.RootCrt, crt, keyFile);
        var (desired, observed) = await lab.ObserveAsync();
        await using var hosts = new HostSet(desired);
        var live = await LiveVerifier.VerifyAsync(desired, observed, ObservedKey.ReaderOn(hosts), CancellationToken.None);

        // Then the server refuses both, and verify names the agent with the TLS layer's own words
        Assert.NotEqual(0, psql.ExitCode);
        var login = Assert.Single(live.Logins);
        Assert.False(login.Succeeded);
        var finding = Assert.Single(live.Findings);
        Assert.Equal("agent[3].certificate", finding.Address.ToString());
        Assert.Contains("login as agent3 failed", finding.Message, StringComparison.Ordinal);
        var cli = Processes.Pemstate("verify", "--connect", "-f", lab.InventoryPath);
        Assert.True(cli.ExitCode == 2, cli.Output);
        Assert.Contains("agent 3 as agent3: FAILED", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_logging_in_as_another_agents_user_is_refused_by_npgsql_too()
    {
        // Given converged agents 4 and 5
        postgres.RegisterAgent(4);
        postgres.RegisterAgent(5);
        var lab = new PemLab(postgres, "impostor", PemLab.PerAgent(4, 5));
        await lab.ApplyAsync();
        var (desired, observed) = await lab.ObserveAsync();
        var trust = DatabaseObserver.Trust(desired, observed.Server);

        // When agent 4's pair logs in as agent5
        var login = await LiveVerifier.LoginAsync(desired.Server.Database!, "agent5",
            File.ReadAllText(Path.Combine(lab.CertDir(4), "agent4.crt")), File.ReadAllText(Path.Combine(lab.CertDir(4), "agent4.key")),
            trust, CancellationToken.None);

        // Then PostgreSQL refuses it with its own message
        Assert.False(login.Succeeded);
        Assert.Contains("certificate authentication failed for user \"agent5\"", login.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Common_user_mode_creates_the_role_once_and_logs_in_as_it()
    {
        // Given agents 6 and 7 sharing the common user, which does not exist yet
        postgres.RegisterAgent(6);
        postgres.RegisterAgent(7);
        var lab = new PemLab(postgres, "common", PemLab.PerAgent(6, 7).Replace("agents:\n", "agents:\n  user: common\n", StringComparison.Ordinal));

        // When it is applied
        var (plan, _) = await lab.ApplyAsync();

        // Then the plan created the role and granted pem_agent, and the role can log in with the common certificate
        Assert.Contains(plan.Steps, s => s.Address.ToString() == "role[pem_agent_common_user]" && s.Action == StepAction.CreateRole);
        Assert.Equal("t|t", postgres.Sql("pem", "SELECT rolcanlogin, pg_has_role(oid, 'pem_agent', 'MEMBER') FROM pg_roles WHERE rolname = 'pem_agent_common_user'"));
        var psql = postgres.AgentPsql("pem_agent_common_user", lab.RootCrt, Path.Combine(lab.CertDir(7), "agent.crt"), Path.Combine(lab.CertDir(7), "agent.key"));
        Assert.True(psql.ExitCode == 0, psql.Output);

        // and the second plan is empty: the role is not created twice
        var again = await lab.PlanAsync();
        Assert.True(again.IsEmpty, string.Join("\n", again.Steps.Select(s => $"{s.Address} {s.Action}: {s.Reason}")));
    }

    [Fact]
    public async Task Discover_database_manages_the_active_rows_and_refuses_an_active_agent_without_a_host()
    {
        // Given agents 8 (active) and 9 (inactive) in pem.agent, and an inventory that discovers them with a default host
        postgres.RegisterAgent(8);
        postgres.RegisterAgent(9, active: false);
        var lab = new PemLab(postgres, "discover", PemLab.PerAgent().Replace("agents:\n", "agents:\n  discover: database\n", StringComparison.Ordinal));

        // When it is planned
        var desired = await lab.DesiredAsync();

        // Then every active row is an agent to manage (8 and the others the class registered), never the inactive 9
        var ids = desired.Agents.List.Select(a => a.Id).ToList();
        Assert.Contains(8, ids);
        Assert.DoesNotContain(9, ids);
        Assert.Equal(postgres.Sql("pem", "SELECT string_agg(id::text, ',' ORDER BY id) FROM pem.agent WHERE active"), string.Join(',', ids));
        var plan = await lab.PlanAsync();
        Assert.Contains(plan.Steps, s => s.Address.ToString() == "agent[8].certificate");
        Assert.DoesNotContain(plan.Steps, s => s.Address.ToString() == "agent[9].certificate");

        // And without a default host, an active agent the inventory does not list is a clear error
        var noHost = new PemLab(postgres, "discover-nohost", """
            agents:
              discover: database
              list: [ { id: 8, host: pem } ]
            """);
        await using var hosts = new HostSet(noHost.Loaded);
        var discovery = await AgentDiscovery.DiscoverAsync(noHost.Loaded, hosts, CancellationToken.None);
        Assert.Null(discovery.Desired);
        Assert.Contains(discovery.Errors, e => e.StartsWith("agent 1 is active in pem.agent but has no host", StringComparison.Ordinal)
            || e.Contains("is active in pem.agent but has no host", StringComparison.Ordinal));
    }
}
