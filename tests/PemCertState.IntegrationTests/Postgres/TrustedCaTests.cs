using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Crypto;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Verification;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// Issue 4 against a real PostgreSQL: self-signed -> trusted CA (root + intermediate made by openssl through
/// examples/trusted-ca/external-ca.sh) -> every agent logs in with psql and Npgsql -> back to self-signed. One server
/// for the class; each test starts by converging its own inventory on PEM's self-signed CA.
/// </summary>
public sealed class TrustedCaTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string SelfSigned = "ca:\n  subject: /C=IN/O=PEM/CN=pem-ca\n";

    [Fact]
    public async Task Self_signed_to_trusted_and_back_every_agent_logs_in_and_a_second_apply_plans_nothing()
    {
        // Given two registered agents converged on PEM's self-signed CA
        postgres.RegisterAgent(41);
        postgres.RegisterAgent(42);
        postgres.Sql("pem", "UPDATE pem.job SET jobenabled = true");
        var lab = new PemLab(postgres, "trusted-round-trip", PemLab.PerAgent(41, 42));
        await lab.ApplyAsync();

        // When the inventory switches to the trusted CA and pemstate applies (through the CLI, as a pipeline would)
        ExternalCa(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("trusted/ca.crl"));
        var waiting = Processes.Pemstate("apply", "-f", lab.InventoryPath, "--auto-approve");

        // Then it waits for three signatures (exit 3), with the requests written and the live files untouched
        Assert.True(waiting.ExitCode == 3, waiting.Output);
        Assert.Contains("Waiting for 3 signatures", waiting.Output, StringComparison.Ordinal);
        Assert.Equal(["agent41.csr", "agent42.csr", "server.csr"], Directory.GetFiles(Path.Combine(lab.Folder, "csr")).Select(Path.GetFileName).Order());
        Assert.Equal(0, Login(lab, 41).ExitCode);
        Assert.Equal("t", postgres.Sql("pem", "SELECT jobenabled FROM pem.job WHERE jobname = 'Check CA certificate expiry'"));

        // When the CA signs them and pemstate applies again
        ExternalCa(lab.Folder, "sign");
        var (plan, _) = await lab.ApplyAsync();

        // Then the server restarted last, on the trusted chain, and both agents log in with psql and with verify --connect
        Assert.Equal("restart[server]", plan.Steps[^1].Address);
        Assert.Contains(plan.Steps, s => s.Action == StepAction.DisableJob);
        Assert.Equal("f", postgres.Sql("pem", "SELECT jobenabled FROM pem.job WHERE jobname = 'Check CA certificate expiry'"));
        foreach (var id in new[] { 41, 42 })
        {
            var psql = Login(lab, id);
            Assert.True(psql.ExitCode == 0, psql.Output);
        }
        var verify = Processes.Pemstate("verify", "--connect", "-f", lab.InventoryPath);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Contains("agent 42 as agent42: ok", verify.Output, StringComparison.Ordinal);
        Assert.Contains("Example Issuing CA 1", Processes.Check("openssl", "x509", "-in", Path.Combine(lab.CertDir(41), "agent41.crt"), "-noout", "-issuer"), StringComparison.Ordinal);
        await AssertNothingPlanned(lab);

        // And back to self-signed: a new CA, every leaf reissued, logins still work, and nothing is planned after
        lab.Rewrite(Trusted("trusted/ca.crl"), SelfSigned);
        await lab.ApplyAsync();
        Assert.True(Login(lab, 42).ExitCode == 0, Login(lab, 42).Output);
        Assert.Contains("CN = pem-ca", Processes.Check("openssl", "x509", "-in", Path.Combine(lab.CertDir(42), "agent42.crt"), "-noout", "-issuer"), StringComparison.Ordinal);
        await AssertNothingPlanned(lab);
    }

    [Fact]
    public async Task Crl_none_comments_out_ssl_crl_file_the_server_starts_and_agents_log_in()
    {
        // Given agent 43 converged on the self-signed CA, then switched to a trusted CA that publishes no CRL
        postgres.RegisterAgent(43);
        var lab = new PemLab(postgres, "trusted-no-crl", PemLab.PerAgent(43));
        await lab.ApplyAsync();
        ExternalCa(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("none"));
        await lab.ApplyAsync();
        ExternalCa(lab.Folder, "sign");

        // When the signed certificates are applied
        await lab.ApplyAsync();

        // Then ssl_crl_file is commented out (the server runs without a CRL), root.crl is gone, and the agent logs in
        Assert.Equal("", postgres.Sql("pem", "SHOW ssl_crl_file"));
        Assert.Contains("#ssl_crl_file = 'root.crl'", File.ReadAllText(Path.Combine(postgres.DataDir, "postgresql.conf")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(postgres.DataDir, "root.crl")));
        var psql = Login(lab, 43);
        Assert.True(psql.ExitCode == 0, psql.Output);
        await AssertNothingPlanned(lab);
    }

    [Fact]
    public async Task A_leftover_CRL_from_another_CA_is_named_by_verify_and_refused_by_preflight_then_replaced()
    {
        // Given agent 44 converged on the trusted CA with its CRL
        postgres.RegisterAgent(44);
        var lab = new PemLab(postgres, "trusted-foreign-crl", PemLab.PerAgent(44));
        await lab.ApplyAsync();
        ExternalCa(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("trusted/ca.crl"));
        await lab.ApplyAsync();
        ExternalCa(lab.Folder, "sign");
        await lab.ApplyAsync();

        // When a CRL from the old PEM CA is planted as root.crl (the leftover-CRL trap)
        var old = CertificateAuthority.CreateSelfSigned("/C=IN/O=PEM/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(3650));
        var rootCrl = Path.Combine(postgres.DataDir, "root.crl");
        File.WriteAllText(rootCrl, PemCodec.EncodeCrl(old.CreateCrl(DateTimeOffset.UtcNow, TimeSpan.FromDays(30))));

        // Then verify names the file and the reason
        var verify = Processes.Pemstate("verify", "-f", lab.InventoryPath);
        Assert.True(verify.ExitCode == 2, verify.Output);
        Assert.Contains("root.crl is not issued by a CA in root.crt", verify.Output, StringComparison.Ordinal);

        // and preflight refuses to restart the server on it, naming the file and the fix
        var (desired, observed) = await lab.ObserveAsync();
        await using (var hosts = new HostSet(desired))
        {
            var restartOnly = new Plan([new PlanStep(Addresses.ServerRestart, "pem", StepAction.Restart, "test", [], Command: postgres.RestartCommand)]);
            var refused = await new Executor(hosts, NullLogger<Executor>.Instance, TimeProvider.System)
                .ApplyAsync(desired, observed, restartOnly, 1, null, CancellationToken.None);
            Assert.False(refused.Succeeded);
            Assert.Contains($"{rootCrl} is issued by /C=IN/O=PEM/CN=pem-ca, which is not in", refused.Failure, StringComparison.Ordinal);
            Assert.Contains("Fix: set ca.crl to the trusted CA's CRL, or crl: none", refused.Failure, StringComparison.Ordinal);
        }
        Assert.True(Login(lab, 44).ExitCode == 0, "the server must not have restarted on the foreign CRL");

        // And the plan replaces it with the trusted CA's CRL; after that, logins work and nothing is planned
        var plan = await lab.PlanAsync();
        Assert.Contains(plan.Steps, s => s.Address == "server.root_crl" && s.Action == StepAction.WriteCrl && s.Reason.Contains("not by the trusted CA", StringComparison.Ordinal));
        await lab.ApplyAsync();
        Assert.True(Login(lab, 44).ExitCode == 0, Login(lab, 44).Output);
        await AssertNothingPlanned(lab);
    }

    private static string Trusted(string crl) => $"ca:\n  source: trusted\n  certificate: trusted/ca.crt\n  crl: {crl}\n";

    private (int ExitCode, string Output) Login(PemLab lab, int id) =>
        postgres.AgentPsql($"agent{id}", lab.RootCrt, Path.Combine(lab.CertDir(id), $"agent{id}.crt"), Path.Combine(lab.CertDir(id), $"agent{id}.key"));

    private static async Task AssertNothingPlanned(PemLab lab)
    {
        var again = await lab.PlanAsync();
        Assert.True(again.IsEmpty, string.Join("\n", again.Steps.Select(s => $"{s.Address} {s.Action}: {s.Reason}")));
        Assert.Empty(again.Warnings);
    }

    /// <summary>examples/trusted-ca/external-ca.sh: the openssl CA the README points users at.</summary>
    private static void ExternalCa(string folder, string command)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "PemCertState.sln"))) root = root.Parent!;
        var (code, output) = Processes.Run("sh", [Path.Combine(root.FullName, "examples", "trusted-ca", "external-ca.sh"), command, folder]);
        Assert.True(code == 0, output);
    }
}
