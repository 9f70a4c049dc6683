using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Crypto;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
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
        ExternalCa.Run(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("trusted/ca.crl"));
        var waiting = Processes.Pemstate("apply", "-f", lab.InventoryPath, "--auto-approve");

        // Then it waits for three signatures (exit 3), with the requests written and the live files untouched
        Assert.True(waiting.ExitCode == 3, waiting.Output);
        Assert.Contains("Waiting for 3 signatures", waiting.Output, StringComparison.Ordinal);
        Assert.Equal(["agent41.csr", "agent42.csr", "server.csr"], Directory.GetFiles(Path.Combine(lab.Folder, "csr")).Select(Path.GetFileName).Order());
        Assert.Equal(0, Login(lab, 41).ExitCode);
        Assert.Equal("t", postgres.Sql("pem", "SELECT jobenabled FROM pem.job WHERE jobname = 'Check CA certificate expiry'"));

        // When the CA signs them and pemstate applies again
        ExternalCa.Run(lab.Folder, "sign");
        var (plan, _) = await lab.ApplyAsync();

        // Then the server reloaded last, on the trusted chain, and both agents log in with psql and with verify --connect
        Assert.Equal(Addresses.ServerReload, plan.Steps[^1].Address);
        var steps = plan.Steps.ToList();
        var removeCa = steps.FindIndex(s => s.Action == StepAction.Remove && s.Address == Addresses.Ca);
        Assert.True(removeCa >= 0 && steps.FindIndex(s => s.Action == StepAction.DisableJob) > removeCa); // off only beside no CA files
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

        // And back to self-signed: a new CA, every leaf reissued, PEM's renewal job on again, logins still work, and nothing is planned after
        lab.Rewrite(Trusted("trusted/ca.crl"), SelfSigned);
        var (back, _) = await lab.ApplyAsync();
        Assert.Equal(StepAction.EnableJob, back.Steps[0].Action);
        Assert.Equal("t", postgres.Sql("pem", "SELECT jobenabled FROM pem.job WHERE jobname = 'Check CA certificate expiry'"));
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
        ExternalCa.Run(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("none"));
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "sign");

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
        ExternalCa.Run(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("trusted/ca.crl"));
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "sign");
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
            var restartOnly = new Plan([new RestartStep(Addresses.ServerRestart, "pem", "test", postgres.RestartCommand)]);
            var refused = await new Executor(hosts, NullLogger<Executor>.Instance, TimeProvider.System)
                .ApplyAsync(desired, observed, restartOnly, 1, null, CancellationToken.None);
            Assert.False(refused.Succeeded);
            Assert.Contains($"{rootCrl} is issued by /C=IN/O=PEM/CN=pem-ca, which is not in", refused.Failure, StringComparison.Ordinal);
            Assert.Contains("Fix: set ca.crl to the trusted CA's CRL, or crl: none", refused.Failure, StringComparison.Ordinal);
        }
        Assert.True(Login(lab, 44).ExitCode == 0, "the server must not have restarted on the foreign CRL");

        // And the plan replaces it with the trusted CA's CRL; after that, logins work and nothing is planned
        var plan = await lab.PlanAsync();
        Assert.Contains(plan.Steps, s => s.Address.ToString() == "server.root_crl" && s.Action == StepAction.WriteCrl && s.Reason.Contains("not by the trusted CA", StringComparison.Ordinal));
        await lab.ApplyAsync();
        Assert.True(Login(lab, 44).ExitCode == 0, Login(lab, 44).Output);
        await AssertNothingPlanned(lab);
    }

    [Fact]
    public async Task Wrong_certificates_in_the_signed_folder_are_named_and_the_real_server_is_left_alone()
    {
        // Given agents 45 and 46 converged on the self-signed CA, switched to the trusted CA, their requests written
        postgres.RegisterAgent(45);
        postgres.RegisterAgent(46);
        var lab = new PemLab(postgres, "trusted-wrong-signed", PemLab.PerAgent(45, 46));
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("trusted/ca.crl"));
        Assert.Equal(3, Processes.Pemstate("apply", "-f", lab.InventoryPath, "--auto-approve").ExitCode);
        var served = ServedCertificate();
        var live = LiveFiles(lab, 45, 46);

        // and the signed folder holds, beside the server's properly signed certificate: one for a key nobody asked
        // for, one for agent 45's pending key with another subject, one for agent 46's pending key from another CA
        var signed = Directory.CreateDirectory(Path.Combine(lab.Folder, "signed")).FullName;
        var issuing = new CertificateAuthority(
            PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.Folder, "ca", "intermediate.crt")))[0],
            PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(lab.Folder, "ca", "intermediate.key")))!.Private);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        File.WriteAllText(Path.Combine(signed, "other-key.pem"), PemCodec.EncodeCertificate(
            issuing.Issue("/C=IN/O=PEM/CN=agent45", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, now, TimeSpan.FromDays(365))));
        File.WriteAllText(Path.Combine(signed, "other-subject.pem"), PemCodec.EncodeCertificate(
            issuing.Issue("/C=IN/O=PEM/CN=agent99", PendingPublicKey(lab, 45), LeafUsage.Client, now, TimeSpan.FromDays(365))));
        var otherCa = CertificateAuthority.CreateSelfSigned("/C=IN/O=Example Corp/CN=Example Issuing CA 1", KeyGenerator.Generate(KeySpec.EcdsaP256), now.AddDays(-1), TimeSpan.FromDays(3650));
        File.WriteAllText(Path.Combine(signed, "other-ca.pem"), PemCodec.EncodeCertificate(
            otherCa.Issue("/C=IN/O=PEM/CN=agent46", PendingPublicKey(lab, 46), LeafUsage.Client, now, TimeSpan.FromDays(365))));
        File.Delete(Path.Combine(lab.Folder, "csr", "agent45.csr"));
        File.Delete(Path.Combine(lab.Folder, "csr", "agent46.csr"));
        ExternalCa.Run(lab.Folder, "sign");

        // When pemstate applies (the CLI, as a pipeline would)
        var apply = Processes.Pemstate("apply", "-f", lab.InventoryPath, "--auto-approve");

        // Then it still waits (exit 3), naming each wrong file and what is wrong with it
        Assert.True(apply.ExitCode == 3, apply.Output);
        Assert.Contains("Warning: signed/other-key.pem (/C=IN/O=PEM/CN=agent45, issuer /C=IN/O=Example Corp/CN=Example Issuing CA 1) is for no pending key", apply.Output, StringComparison.Ordinal);
        Assert.Contains("Warning: signed/other-subject.pem is for agent45.key.pending but its subject is /C=IN/O=PEM/CN=agent99, want /C=IN/O=PEM/CN=agent45", apply.Output, StringComparison.Ordinal);
        Assert.Contains("Warning: signed/other-ca.pem is for agent46.key.pending but it does not chain to ca.certificate", apply.Output, StringComparison.Ordinal);
        // and nothing was installed: no live file changed, the real server still serves its old certificate, the agents still log in
        Assert.Equal(live, LiveFiles(lab, 45, 46));
        Assert.Equal(served, ServedCertificate());
        foreach (var id in new[] { 45, 46 })
        {
            var psql = Login(lab, id);
            Assert.True(psql.ExitCode == 0, psql.Output);
        }
        Assert.Equal("t", postgres.Sql("pem", "SELECT jobenabled FROM pem.job WHERE jobname = 'Check CA certificate expiry'"));
    }

    [Fact]
    public async Task Moving_to_another_trusted_CA_keeps_every_agent_logging_in_before_between_and_after_the_phases()
    {
        // Given agents 47 and 48 converged on trusted CA "Example", and the inventory moved to CA "Other" (its requests signed)
        postgres.RegisterAgent(47);
        postgres.RegisterAgent(48);
        var lab = new PemLab(postgres, "trusted-rotation", PemLab.PerAgent(47, 48));
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("trusted/ca.crl"));
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "sign");
        await lab.ApplyAsync();
        var next = Path.Combine(lab.Folder, "next");
        ExternalCa.Run(next, "init", name: "Other");
        lab.Rewrite(Trusted("trusted/ca.crl"), Trusted("next/trusted/ca.crl").Replace("trusted/ca.crt", "next/trusted/ca.crt", StringComparison.Ordinal)
            + "  requests_dir: next/csr\n  signed_dir: next/signed\n");
        var (waiting, _) = await lab.ApplyAsync();
        Assert.Equal([StepAction.GenerateKey, StepAction.RequestSignature], waiting.Steps.Select(s => s.Action).Distinct());
        AssertLogins(lab, "before the rotation");
        ExternalCa.Run(next, "sign");

        // When phase 1 runs (root.crt and root.crl hold both CAs, the server reloads trusting both)
        var (phase1, _) = await lab.ApplyAsync(stopAfter: s => s.Address == Addresses.ServerReloadTrustingBoth);

        // Then the agents still log in with the old CA's certificates, and the new CA's certificates are accepted already
        Assert.Contains(phase1.Steps, s => s.Reason.StartsWith("CA rotation, phase 1", StringComparison.Ordinal));
        AssertLogins(lab, "after phase 1");
        foreach (var id in new[] { 47, 48 })
        {
            var newCertificate = postgres.AgentPsql($"agent{id}", lab.RootCrt, Path.Combine(next, "signed", $"agent{id}.crt"), Path.Combine(lab.CertDir(id), $"agent{id}.key.pending"));
            Assert.True(newCertificate.ExitCode == 0, newCertificate.Output);
        }

        // When phase 2 runs (the new pairs installed; these agents have no restart command), but not phase 3
        var oldCertificate = Path.Combine(lab.Folder, "old47.crt");
        var oldKey = Path.Combine(lab.Folder, "old47.key");
        File.Copy(Path.Combine(lab.CertDir(47), "agent47.crt"), oldCertificate);
        File.Copy(Path.Combine(lab.CertDir(47), "agent47.key"), oldKey);
        await lab.ApplyAsync(stopAfter: s => s.Address.ToString() == "agent[48].certificate" && s.Action == StepAction.InstallSigned);

        // Then the agents log in with the new CA's certificates while the server still trusts both
        AssertLogins(lab, "after phase 2");
        Assert.Contains("Other Issuing CA 1", Processes.Check("openssl", "x509", "-in", Path.Combine(lab.CertDir(47), "agent47.crt"), "-noout", "-issuer"), StringComparison.Ordinal);

        // When the rest runs (phase 3: the old CA leaves root.crt and root.crl, the server reloads last)
        var (phase3, _) = await lab.ApplyAsync();

        // Then every agent logs in, the old CA is no longer trusted by the real server, verify passes, and nothing is planned
        Assert.Contains(phase3.Steps, s => s.Reason.StartsWith("CA rotation, phase 3", StringComparison.Ordinal));
        Assert.Equal(Addresses.ServerReload, phase3.Steps[^1].Address);
        AssertLogins(lab, "after phase 3");
        Assert.All(PemCodec.DecodeCertificates(File.ReadAllBytes(lab.RootCrt)), c => Assert.Contains("Other", DistinguishedNames.Format(c.SubjectDN), StringComparison.Ordinal));
        Assert.NotEqual(0, postgres.AgentPsql("agent47", lab.RootCrt, oldCertificate, oldKey).ExitCode);
        var verify = Processes.Pemstate("verify", "--connect", "-f", lab.InventoryPath);
        Assert.True(verify.ExitCode == 0, verify.Output);
        await AssertNothingPlanned(lab);
    }

    [Fact]
    public async Task A_trusted_agent_certificate_inside_its_window_is_renewed_and_the_real_server_is_not_restarted()
    {
        // Given agent 49 converged on the trusted CA, holding a certificate from it that expires in 10 days
        postgres.RegisterAgent(49);
        var lab = new PemLab(postgres, "trusted-renewal", PemLab.PerAgent(49));
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "init");
        lab.Rewrite(SelfSigned, Trusted("trusted/ca.crl"));
        await lab.ApplyAsync();
        ExternalCa.Run(lab.Folder, "sign");
        await lab.ApplyAsync();
        var issuing = new CertificateAuthority(
            PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.Folder, "ca", "intermediate.crt")))[0],
            PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(lab.Folder, "ca", "intermediate.key")))!.Private);
        var certificate = Path.Combine(lab.CertDir(49), "agent49.crt");
        var key = PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(lab.CertDir(49), "agent49.key")))!;
        File.WriteAllText(certificate, PemCodec.EncodeCertificate(issuing.Issue("/C=IN/O=PEM/CN=agent49", key.Public, LeafUsage.Client, DateTimeOffset.UtcNow, TimeSpan.FromDays(10))));
        var started = postgres.Sql("pem", "SELECT pg_postmaster_start_time()");

        // When pemstate applies (a request, exit 3), the CA signs it, and pemstate applies again
        var waiting = Processes.Pemstate("apply", "-f", lab.InventoryPath, "--auto-approve");
        Assert.True(waiting.ExitCode == 3, waiting.Output);
        Assert.Contains("renew_before is 30 days", waiting.Output, StringComparison.Ordinal);
        ExternalCa.Run(lab.Folder, "sign");
        var (renewal, _) = await lab.ApplyAsync();

        // Then only agent 49's pair was installed, the real server was not restarted, and the agent logs in with the new certificate
        Assert.Equal(["agent[49].certificate"], renewal.Resources.Texts());
        Assert.Equal(started, postgres.Sql("pem", "SELECT pg_postmaster_start_time()"));
        Assert.True(PemCodec.DecodeCertificates(File.ReadAllBytes(certificate))[0].NotAfter > DateTime.UtcNow.AddDays(300));
        var psql = Login(lab, 49);
        Assert.True(psql.ExitCode == 0, psql.Output);
        await AssertNothingPlanned(lab);
    }

    private void AssertLogins(PemLab lab, string when)
    {
        foreach (var id in new[] { 47, 48 })
        {
            var psql = Login(lab, id);
            Assert.True(psql.ExitCode == 0, $"agent {id} {when}: {psql.Output}");
        }
    }

    /// <summary>The certificate the running server sends in its TLS handshake, as openssl s_client sees it.</summary>
    private string ServedCertificate()
    {
        var (code, output) = Processes.Run("sh", ["-c",
            $"openssl s_client -starttls postgres -connect 127.0.0.1:{postgres.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"]);
        Assert.True(code == 0, output);
        return output.Trim();
    }

    private Dictionary<string, string> LiveFiles(PemLab lab, params int[] ids) =>
        Directory.EnumerateFiles(postgres.DataDir).Where(p => p.EndsWith(".crt", StringComparison.Ordinal) || p.EndsWith(".key", StringComparison.Ordinal)
                || p.EndsWith(".crl", StringComparison.Ordinal) || p.EndsWith(".conf", StringComparison.Ordinal))
            .Concat(ids.SelectMany(id => Directory.EnumerateFiles(lab.CertDir(id))).Where(p => !p.EndsWith(".pending", StringComparison.Ordinal)))
            .ToDictionary(p => p, p => Fingerprints.Sha256Hex(File.ReadAllBytes(p)));

    private static Org.BouncyCastle.Crypto.AsymmetricKeyParameter PendingPublicKey(PemLab lab, int id) =>
        PemCodec.DecodePrivateKey(File.ReadAllBytes(Path.Combine(lab.CertDir(id), $"agent{id}.key.pending")))!.Public;

    private static string Trusted(string crl) => $"ca:\n  source: trusted\n  certificate: trusted/ca.crt\n  crl: {crl}\n";

    private (int ExitCode, string Output) Login(PemLab lab, int id) =>
        postgres.AgentPsql($"agent{id}", lab.RootCrt, Path.Combine(lab.CertDir(id), $"agent{id}.crt"), Path.Combine(lab.CertDir(id), $"agent{id}.key"));

    private static async Task AssertNothingPlanned(PemLab lab)
    {
        var again = await lab.PlanAsync();
        Assert.True(again.IsEmpty, string.Join("\n", again.Steps.Select(s => $"{s.Address} {s.Action}: {s.Reason}")));
        Assert.Empty(again.Warnings);
    }
}
