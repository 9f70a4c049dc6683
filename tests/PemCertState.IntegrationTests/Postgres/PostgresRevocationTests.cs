using PemCertState.Crypto;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// agents.revoke_removed against a real PostgreSQL: the revoked agent's old certificate is refused by the server
/// (ssl_crl_file), every other agent still logs in, and openssl agrees. Its own server: the test leaves a ledger
/// and a CRL with revocations in the data dir, which other classes' inventories must not see.
/// </summary>
public sealed class PostgresRevocationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_removed_agent_is_refused_by_the_server_while_the_others_still_log_in()
    {
        // Given three registered agents converged with revoke_removed, each logging in with psql
        foreach (var id in new[] { 1, 2, 3 }) postgres.RegisterAgent(id);
        var lab = new PemLab(postgres, "revoke", Agents(1, 2, 3));
        await lab.ApplyAsync();
        foreach (var id in new[] { 1, 2, 3 }) AssertLogsIn(lab, id, lab.CertDir(id));
        // agent 3's pair as someone might have kept it (a copy outside its folder)
        var kept = Path.Combine(lab.Folder, "kept");
        Directory.CreateDirectory(kept);
        foreach (var file in new[] { "agent3.key", "agent3.crt" })
        {
            File.Copy(Path.Combine(lab.CertDir(3), file), Path.Combine(kept, file));
            File.SetUnixFileMode(Path.Combine(kept, file), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var serial = CertificateSummary.From(PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(kept, "agent3.crt")))[0]).Serial;

        // When agent 3 is removed from the inventory and pemstate applies
        lab.Rewrite("list: [{ id: 1 }, { id: 2 }, { id: 3 }]", "list: [{ id: 1 }, { id: 2 }]");
        var (plan, _) = await lab.ApplyAsync();

        // Then the plan revoked it, removed its files and reloaded the server after the agent steps
        Assert.Equal(
            ["server.root_crl", "agent[3].certificate", "reload[server]", "agents.ledger"],
            plan.Resources.Texts());
        Assert.Contains(plan.Steps, s => s.Action == StepAction.WriteCrl && s.Reason == $"agent 3 is no longer in the inventory: its certificate (serial {serial}) is revoked");
        Assert.False(File.Exists(Path.Combine(lab.CertDir(3), "agent3.key")));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(3), "agent3.crt")));

        // and the real server refuses agent 3's certificate, while agents 1 and 2 still log in
        var refused = postgres.AgentPsql("agent3", lab.RootCrt, Path.Combine(kept, "agent3.crt"), Path.Combine(kept, "agent3.key"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("certificate revoked", refused.Output, StringComparison.Ordinal);
        AssertLogsIn(lab, 1, lab.CertDir(1));
        AssertLogsIn(lab, 2, lab.CertDir(2));

        // and openssl, independently, shows the serial in root.crl and refuses the certificate with CRL checking
        var crl = Path.Combine(postgres.DataDir, "root.crl");
        var text = Processes.Run("openssl", ["crl", "-in", crl, "-noout", "-text"]);
        Assert.Contains($"Serial Number: {(serial.Length % 2 == 1 ? "0" + serial : serial)}", text.Output, StringComparison.Ordinal);
        var verify = Processes.Run("openssl", ["verify", "-crl_check", "-CAfile", lab.RootCrt, "-CRLfile", crl, Path.Combine(kept, "agent3.crt")]);
        Assert.NotEqual(0, verify.ExitCode);
        Assert.Contains("certificate revoked", verify.Output, StringComparison.Ordinal);
        var verifyOthers = Processes.Run("openssl", ["verify", "-crl_check", "-CAfile", lab.RootCrt, "-CRLfile", crl,
            Path.Combine(lab.CertDir(1), "agent1.crt"), Path.Combine(lab.CertDir(2), "agent2.crt")]);
        Assert.True(verifyOthers.ExitCode == 0, verifyOthers.Output);

        // and status says revoked, with the serial; the next plan is empty
        var status = Processes.Pemstate("status", "--json", "-f", lab.InventoryPath);
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Contains($"\"serial\": \"{serial}\"", status.Output, StringComparison.Ordinal);
        Assert.Contains("\"state\": \"revoked\"", status.Output, StringComparison.Ordinal);
        var again = await lab.PlanAsync();
        Assert.True(again.IsEmpty, string.Join("\n", again.Steps.Select(s => $"{s.Address} {s.Action}: {s.Reason}")));
        Assert.True(File.Exists(Path.Combine(lab.StateDir, AgentLedger.FileName)));
    }

    [Fact]
    public async Task An_inventory_agent_the_CA_revoked_is_refused_by_the_server_until_pemstate_issues_it_again()
    {
        // Given two agents converged, and then the CA revoking agent 5 (a new root.crl signed with its key) and the
        // server reloading it: the real server refuses agent 5 ("certificate revoked")
        foreach (var id in new[] { 4, 5 }) postgres.RegisterAgent(id);
        var lab = new PemLab(postgres, "revoked-at-ca", PemLab.PerAgent(4, 5));
        await lab.ApplyAsync();
        var certificate = PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.CertDir(5), "agent5.crt")))[0];
        var ca = new CertificateAuthority(
            PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(postgres.DataDir, "ca_certificate.crt")))[0],
            PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(postgres.DataDir, "ca_key.key")))!.Private);
        File.WriteAllText(Path.Combine(postgres.DataDir, "root.crl"),
            PemCodec.EncodeCrl(ca.CreateCrl(DateTimeOffset.UtcNow, TimeSpan.FromDays(30), [new RevokedEntry(certificate.SerialNumber, DateTimeOffset.UtcNow.AddMinutes(-5))])));
        postgres.Sql("pem", "SELECT pg_reload_conf()");
        await Task.Delay(500);
        var refused = postgres.AgentPsql("agent5", lab.RootCrt, Path.Combine(lab.CertDir(5), "agent5.crt"), Path.Combine(lab.CertDir(5), "agent5.key"));
        Assert.Contains("certificate revoked", refused.Output, StringComparison.Ordinal);

        // When pemstate plans and applies
        var (plan, _) = await lab.ApplyAsync();

        // Then it issued agent 5 a new certificate (and nothing for agent 4), which the server accepts
        Assert.Contains(plan.Steps, s => s.Address == Addresses.AgentCertificate(5) && s.Action == StepAction.Issue && s.Reason.Contains("revoked", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Steps, s => s.Address == Addresses.AgentCertificate(4));
        AssertLogsIn(lab, 4, lab.CertDir(4));
        AssertLogsIn(lab, 5, lab.CertDir(5));
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    private static string Agents(params int[] ids) => PemLab.PerAgent(ids).Replace("agents:\n", "agents:\n  revoke_removed: true\n", StringComparison.Ordinal);

    private void AssertLogsIn(PemLab lab, int id, string certDir)
    {
        var psql = postgres.AgentPsql($"agent{id}", lab.RootCrt, Path.Combine(certDir, $"agent{id}.crt"), Path.Combine(certDir, $"agent{id}.key"));
        Assert.True(psql.ExitCode == 0, $"agent {id}: {psql.Output}");
        Assert.Equal("1", psql.Output.Trim());
    }
}
