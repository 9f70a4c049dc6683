using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Planning;
using Xunit;
using PemCertState.Inventory;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// Issue 20, item 6, against a real PostgreSQL: after a change of agents.user, the credential no agent uses any more is
/// refused by the server ("certificate revoked"), in both directions, while every agent logs in with its new one. Its own
/// server: the test leaves revocations in root.crl.
/// </summary>
public sealed class AgentUserModeChangeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task The_credential_a_change_of_agent_user_mode_leaves_behind_is_refused_by_the_server()
    {
        // Given two registered agents on the common certificate, each restarted by a command
        postgres.RegisterAgent(1);
        postgres.RegisterAgent(2);
        var perAgent = PemLab.PerAgent(1, 2).Replace("curve: p256 } }", "curve: p256 }, restart: \"true\" }", StringComparison.Ordinal);
        Assert.Contains("restart:", perAgent, StringComparison.Ordinal);
        var lab = new PemLab(postgres, "mode-change", perAgent.Replace("agents:\n", "agents:\n  user: common\n", StringComparison.Ordinal));
        await lab.ApplyAsync();
        var common = Keep(lab, 1, "agent", "common");
        AssertLogsIn("pem_agent_common_user", lab, common);

        // When the agents go to their own certificates
        lab.Rewrite("agents:\n  user: common\n", "agents:\n");
        var (plan, _) = await lab.ApplyAsync();

        // Then the plan revoked the common certificate, removed its files and reported the role
        Assert.Contains(plan.Steps, s => s.Action == StepAction.WriteCrl && s.Reason.Contains("the common certificate", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("role pem_agent_common_user", StringComparison.Ordinal) && w.Contains("never drops a role", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(1), "agent.crt")));
        // and the real server refuses the common credential, while each agent logs in as itself
        var refused = postgres.AgentPsql("pem_agent_common_user", lab.RootCrt, common.Certificate, common.Key);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("certificate revoked", refused.Output, StringComparison.Ordinal);
        AssertLogsIn("agent1", lab, (Path.Combine(lab.CertDir(1), "agent1.crt"), Path.Combine(lab.CertDir(1), "agent1.key")));
        AssertLogsIn("agent2", lab, (Path.Combine(lab.CertDir(2), "agent2.crt"), Path.Combine(lab.CertDir(2), "agent2.key")));
        Assert.True((await lab.PlanAsync()).IsEmpty);

        // When they go back to the common certificate
        var own = Keep(lab, 1, "agent1", "own");
        lab.Rewrite("agents:\n", "agents:\n  user: common\n");
        (plan, _) = await lab.ApplyAsync();

        // Then agent 1's own certificate is refused by the server, and the new common one logs in
        var refusedOwn = postgres.AgentPsql("agent1", lab.RootCrt, own.Certificate, own.Key);
        Assert.NotEqual(0, refusedOwn.ExitCode);
        Assert.Contains("certificate revoked", refusedOwn.Output, StringComparison.Ordinal);
        AssertLogsIn("pem_agent_common_user", lab, (Path.Combine(lab.CertDir(2), "agent.crt"), Path.Combine(lab.CertDir(2), "agent.key")));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(2), "agent2.crt")));
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task With_a_trusted_CA_the_abandoned_certificate_is_named_for_the_CA_and_refused_by_the_server_once_the_CA_revoked_it()
    {
        // Given two registered agents, each restarted by a command, on their own certificates from a trusted CA
        postgres.RegisterAgent(11);
        postgres.RegisterAgent(12);
        var perAgent = PemLab.PerAgent(11, 12).Replace("curve: p256 } }", "curve: p256 }, restart: \"true\" }", StringComparison.Ordinal);
        var lab = new PemLab(postgres, "mode-change-trusted", perAgent);
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "init");
        lab.Rewrite("ca:\n  subject: /C=IN/O=PEM/CN=pem-ca\n", "ca:\n  source: trusted\n  certificate: trusted/ca.crt\n  crl: trusted/ca.crl\n");
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "sign");
        await lab.ApplyAsync();
        var own = Keep(lab, 11, "agent11", "own");
        AssertLogsIn("agent11", lab, own);

        // When they go to the common certificate: the CA signs its request, and it is applied
        lab.Rewrite("agents:\n", "agents:\n  user: common\n");
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "sign");
        var (plan, _) = await lab.ApplyAsync();

        // Then the plan names agent 11's certificate for the CA to revoke, its files are gone, and both agents log in as the common user
        var serial = Processes.Check("openssl", "x509", "-in", own.Certificate, "-noout", "-serial").Trim()["serial=".Length..];
        Assert.Contains(plan.Warnings, w => w.Contains($"to revoke serial {serial}", StringComparison.OrdinalIgnoreCase));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(11), "agent11.key")));
        AssertLogsIn("pem_agent_common_user", lab, (Path.Combine(lab.CertDir(11), "agent.crt"), Path.Combine(lab.CertDir(11), "agent.key")));
        AssertLogsIn("pem_agent_common_user", lab, (Path.Combine(lab.CertDir(12), "agent.crt"), Path.Combine(lab.CertDir(12), "agent.key")));
        // but the abandoned credential still logs in: only the CA can revoke it
        AssertLogsIn("agent11", lab, own);

        // When the CA revokes it, as the plan asked, and pemstate applies the CA's new CRL
        ExternalCa.Run(lab.Folder, "revoke", extra: own.Certificate);
        var (revoked, _) = await lab.ApplyAsync();

        // Then the real server refuses it, and the common credential still logs in
        Assert.Contains(revoked.Steps, s => s.Address == Addresses.RootCrl);
        var refused = postgres.AgentPsql("agent11", lab.RootCrt, own.Certificate, own.Key);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("certificate revoked", refused.Output, StringComparison.Ordinal);
        AssertLogsIn("pem_agent_common_user", lab, (Path.Combine(lab.CertDir(11), "agent.crt"), Path.Combine(lab.CertDir(11), "agent.key")));
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    /// <summary>A copy of agent <paramref name="id"/>'s pair outside its folder, as a host that kept it would have.</summary>
    private static (string Certificate, string Key) Keep(PemLab lab, int id, string name, string copy)
    {
        var kept = Path.Combine(lab.Folder, "kept");
        Directory.CreateDirectory(kept);
        var pair = (Path.Combine(kept, $"{copy}.crt"), Path.Combine(kept, $"{copy}.key"));
        File.Copy(Path.Combine(lab.CertDir(id), $"{name}.crt"), pair.Item1);
        File.Copy(Path.Combine(lab.CertDir(id), $"{name}.key"), pair.Item2);
        File.SetUnixFileMode(pair.Item2, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return pair;
    }

    private void AssertLogsIn(string user, PemLab lab, (string Certificate, string Key) pair)
    {
        var psql = postgres.AgentPsql(user, lab.RootCrt, pair.Certificate, pair.Key);
        Assert.True(psql.ExitCode == 0, $"{user}: {psql.Output}");
        Assert.Equal("1", psql.Output.Trim());
    }
}
