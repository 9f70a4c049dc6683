using System.Text.Json;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>Apply on a real lab folder, checked by openssl and by planning again (Ansible's "run twice" rule).</summary>
public sealed class ExecutorTests
{
    [Fact]
    public async Task Apply_writes_the_tree_EDB_documents_and_openssl_verifies_it()
    {
        // Given
        using var lab = Lab.Create(key: "{ algorithm: rsa, bits: 2048 }");

        // When
        await lab.ApplyAsync();

        // Then the server's data dir holds EDB's six files and the settings, all keys and certificates 0600
        string[] files = ["ca_key.key", "ca_certificate.crt", "root.crt", "root.crl", "server.key", "server.crt"];
        foreach (var file in files)
            Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(lab.DataDir, file)));
        Assert.Equal(File.ReadAllText(Path.Combine(lab.DataDir, "ca_certificate.crt")), File.ReadAllText(Path.Combine(lab.DataDir, "root.crt")));

        // and openssl, not our code, says every certificate chains to root.crt, with the CRL checked
        var root = Path.Combine(lab.DataDir, "root.crt");
        var crl = Path.Combine(lab.DataDir, "root.crl");
        var server = Path.Combine(lab.DataDir, "server.crt");
        var agent1 = Path.Combine(lab.CertDir(1), "agent1.crt");
        var agent2 = Path.Combine(lab.CertDir(2), "agent2.crt");
        var verify = OpenSsl.Run("verify", "-crl_check", "-CAfile", root, "-CRLfile", crl, server, agent1, agent2);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Contains($"{agent1}: OK", verify.Output, StringComparison.Ordinal);

        var ca = OpenSsl.Run("x509", "-noout", "-text", "-in", Path.Combine(lab.DataDir, "ca_certificate.crt"));
        Assert.Contains("CA:TRUE", ca.Output, StringComparison.Ordinal);
        Assert.Contains("Certificate Sign, CRL Sign", ca.Output, StringComparison.Ordinal);
        Assert.Contains("X509v3 Subject Key Identifier", ca.Output, StringComparison.Ordinal);
        Assert.Contains("X509v3 Authority Key Identifier", ca.Output, StringComparison.Ordinal);
        var agent = OpenSsl.Run("x509", "-noout", "-subject", "-in", agent1);
        Assert.Contains("CN = agent1", agent.Output, StringComparison.Ordinal);
        var serverSubject = OpenSsl.Run("x509", "-noout", "-subject", "-in", server);
        Assert.Contains("CN = pem.example.com", serverSubject.Output, StringComparison.Ordinal);

        // and each key is the one its certificate was issued for
        var keyPub = OpenSsl.Run("pkey", "-pubout", "-in", Path.Combine(lab.CertDir(1), "agent1.key"));
        var certPub = OpenSsl.Run("x509", "-noout", "-pubkey", "-in", agent1);
        Assert.Equal(certPub.Output, keyPub.Output);

        // and the CRL's nextUpdate is a year ahead
        var crlText = OpenSsl.Run("crl", "-noout", "-nextupdate", "-in", crl);
        Assert.Contains("2027", crlText.Output, StringComparison.Ordinal);

        // and postgresql.conf and agent.cfg point at them
        var conf = File.ReadAllText(Path.Combine(lab.DataDir, "postgresql.conf"));
        Assert.Contains("ssl = on\n", conf, StringComparison.Ordinal);
        Assert.Contains("ssl_crl_file = 'root.crl'\n", conf, StringComparison.Ordinal);
        var cfg = File.ReadAllText(lab.AgentConfig(2));
        Assert.Contains("agent_user=agent2\n", cfg, StringComparison.Ordinal);
        Assert.Contains($"agent_ssl_key={Path.Combine(lab.CertDir(2), "agent2.key")}\n", cfg, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_apply_changes_nothing_not_even_a_timestamp()
    {
        // Given
        using var lab = Lab.Create();
        await lab.ApplyAsync();
        var before = lab.Fingerprint();
        await Task.Delay(20);

        // When
        var (plan, result) = await lab.ApplyAsync();

        // Then
        Assert.True(plan.IsEmpty);
        Assert.Empty(result.Completed);
        Assert.Equal(before, lab.Fingerprint());
    }

    [Fact]
    public async Task Every_drift_is_converged_by_one_apply_and_the_next_plan_is_empty()
    {
        // Given a converged lab with one of each kind of drift
        using var lab = Lab.Create(agents: 3);
        using var other = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        await other.ApplyAsync();
        File.Delete(Path.Combine(lab.CertDir(1), "agent1.key"));
        File.SetUnixFileMode(Path.Combine(lab.CertDir(2), "agent2.crt"), (UnixFileMode)0b110_100_100);
        File.Copy(Path.Combine(other.DataDir, "root.crl"), Path.Combine(lab.DataDir, "root.crl"), overwrite: true);
        File.AppendAllText(lab.AgentConfig(3), "agent_ssl_crt=/elsewhere/agent3.crt\n");
        var conf = Path.Combine(lab.DataDir, "postgresql.conf");
        File.WriteAllText(conf, File.ReadAllText(conf).Replace("ssl = on", "ssl = off", StringComparison.Ordinal));

        // When
        var (plan, _) = await lab.ApplyAsync();

        // Then
        Assert.Equal(
            ["server.root_crl", "server.settings", "agent[1].certificate", "restart[agent 1]", "agent[2].certificate",
             "agent[3].settings", "restart[agent 3]", "restart[server]"],
            plan.Resources.Texts());
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task Replaced_files_are_backed_up_with_a_manifest_of_their_hashes_modes_and_owners()
    {
        // Given
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var oldKey = File.ReadAllBytes(Path.Combine(lab.DataDir, "server.key"));
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));

        // When
        await lab.ApplyAsync(Lab.Today.AddHours(1));

        // Then
        var set = Assert.Single(Directory.GetDirectories(Path.Combine(lab.StateDir, "backups")));
        Assert.Equal("20261127T130000Z", Path.GetFileName(set));
        Assert.Equal(oldKey, File.ReadAllBytes(Path.Combine(set, "server.key")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(set, "server.key")));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(set, "manifest.json")));
        var entry = manifest.RootElement.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("backup_file").GetString() == "server.key");
        Assert.Equal(PemCertState.Crypto.Fingerprints.Sha256Hex(oldKey), entry.GetProperty("sha256").GetString());
        Assert.Equal("0600", entry.GetProperty("mode").GetString());
        Assert.Equal(Path.Combine(lab.DataDir, "server.key"), entry.GetProperty("path").GetString());
        Assert.False(string.IsNullOrEmpty(entry.GetProperty("owner").GetString()));
    }

    [Fact]
    public async Task Common_user_mode_installs_one_pair_for_every_agent_and_repairs_a_missing_copy_from_another_agent()
    {
        // Given
        using var lab = Lab.Create(agents: 3, user: "common");
        await lab.ApplyAsync();
        var first = File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent.crt"));
        Assert.All([2, 3], id => Assert.Equal(first, File.ReadAllBytes(Path.Combine(lab.CertDir(id), "agent.crt"))));
        var subject = OpenSsl.Run("x509", "-noout", "-subject", "-in", Path.Combine(lab.CertDir(1), "agent.crt"));
        Assert.Contains("CN = pem_agent_common_user", subject.Output, StringComparison.Ordinal);
        Assert.Contains("agent_user=pem_agent_common_user\n", File.ReadAllText(lab.AgentConfig(3)), StringComparison.Ordinal);
        File.Delete(Path.Combine(lab.CertDir(3), "agent.key"));

        // When
        var (plan, _) = await lab.ApplyAsync();

        // Then no key was generated: agent 3 got agent 1's pair back
        Assert.DoesNotContain(plan.Steps, s => s.Action == StepAction.GenerateKey);
        Assert.Equal(Addresses.AgentCertificate(1), plan.Steps.OfType<InstallStep>().Single().Source);
        Assert.Equal(File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent.key")), File.ReadAllBytes(Path.Combine(lab.CertDir(3), "agent.key")));
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task Files_get_the_owner_the_inventory_names()
    {
        Assert.True(Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root", "chown needs root; the test suite runs as root (see .ci/run)");

        // Given
        using var lab = Lab.Create(agents: 1, owner: "nobody");

        // When
        await lab.ApplyAsync();

        // Then
        var stat = OwnerOf(Path.Combine(lab.DataDir, "server.key"));
        Assert.Equal("nobody", stat);
        Assert.Empty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task A_failing_restart_stops_the_apply_and_says_where()
    {
        // Given a server restart command that fails
        using var lab = Lab.Create(agents: 1, serverRestart: "echo cannot restart >&2; exit 7");
        var desired = lab.Desired;
        await using var hosts = new Hosts.HostSet(desired);
        var observed = await new Observation.Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        var plan = Planner.Create(desired, observed, Lab.Today);
        var executor = new PemCertState.Execution.Executor(hosts, Microsoft.Extensions.Logging.Abstractions.NullLogger<PemCertState.Execution.Executor>.Instance, new FixedClock(Lab.Today));

        // When
        var result = await executor.ApplyAsync(desired, observed, plan, 2, null, CancellationToken.None);

        // Then
        Assert.False(result.Succeeded);
        Assert.Equal("restart[server]", result.FailedStep!.Address.ToString());
        Assert.Contains("exited with 7: cannot restart", result.Failure, StringComparison.Ordinal);
        Assert.Equal(plan.Steps.Count - 1, result.Completed.Count);
    }

    private static string OwnerOf(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%U", path]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }
}
