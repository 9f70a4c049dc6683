using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PemCertState.Crypto;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Observation;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Attacks;

/// <summary>
/// Issue 16, attacks 1 and 5 over a real sshd (root login, and a non-root login with sudo: true): the same forged backup set and invented ledger agent as the
/// local attack tests, planted by an unprivileged account that owns the agent's cert_dir and data_dir, must be refused
/// on a host pemstate reaches over SSH too (the ledger's link check runs `realpath` there).
/// </summary>
[Trait("Category", "Attack")]
public sealed class SshAttackTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Theory]
    [InlineData("root")]
    [InlineData("sudo")]
    public void A_forged_manifest_and_an_invented_ledger_agent_change_nothing_over_ssh_and_a_real_rollback_still_works(string login)
    {
        // Given an SSH host holding the server and two agents (root login, or a non-root login with sudo: true),
        // revoke_removed on, agent 1's cert_dir and data_dir owned by one account
        // (the account owns those folders as an agent's OS user and postgres would, so the inventory trusts it to hold
        // their keys: StrictModes would otherwise refuse the apply before any attack)
        using var victims = VictimFiles.Create();
        using var attacker = HostileAccount.Create();
        var trust = $"trusted_accounts: [{attacker.Name}]";
        using var lab = login == "root"
            ? SshLab.Create(sshd, [sshd.Start("pem")], agents: 2, hostLines: new Dictionary<string, string> { ["pem"] = trust })
            : SshLab.Create(sshd, [sshd.Start("pem")], agents: 2,
                hostLines: new Dictionary<string, string> { ["pem"] = $"sudo: true\n    {trust}" },
                users: new Dictionary<string, string> { ["pem"] = SshdFixture.EnsureSudoUser() });
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("agents:\n  user: per-agent", "agents:\n  revoke_removed: true\n  user: per-agent", StringComparison.Ordinal));
        Directory.CreateDirectory(Path.Combine(lab.CertDir(1), "certs"));
        attacker.Own(lab.CertDir(1));
        HostileAccount.AllowTraverse(lab.Root, lab.CertDir(1));
        Assert.Equal(0, Apply(lab).ExitCode);
        attacker.Own(lab.DataDir);
        HostileAccount.AllowTraverse(lab.Root, lab.DataDir);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("/C=IN/ST=MH/L=Pune/O=PEM\n", "/C=IN/ST=MH/L=Pune/O=PEM2\n", StringComparison.Ordinal));
        var firstAgentCert = File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent1.crt"));
        Assert.Equal(0, Apply(lab).ExitCode);
        var realId = Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(lab.CertDir(1), "certs"))));

        // and a forged set, newer than any, writing attacker bytes to a root-owned cron file
        var forged = Path.Combine(lab.CertDir(1), "certs", "29991231T235959Z");
        var manifest = Path.Combine(forged, "manifest.json");
        var payload = Encoding.UTF8.GetBytes("* * * * * root /tmp/attacker\n");
        attacker.Run("mkdir", forged);
        attacker.Write(Path.Combine(forged, "payload"), payload);
        attacker.Write(manifest, JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = "29991231T235959Z", created_at = "2999-12-31T23:59:59+00:00", host = "pem",
            files = new[] { new { address = "agent[1].certificate", host = "pem", path = victims.CronJob, backup_file = "payload", sha256 = Fingerprints.Sha256Hex(payload), mode = "0644", owner = "root" } },
        }));
        // and an invented retired agent whose files are the victims and whose serial is the server's
        var serverSerial = CertificateSummary.From(PemCodec.DecodeCertificates(File.ReadAllBytes(Path.Combine(lab.DataDir, "server.crt")))[0]).Serial;
        // (in data_dir, where a pemstate from before state_dir kept the ledger: still read until the next apply moves it;
        // the state folder itself is root's alone)
        var ledgerPath = Path.Combine(lab.DataDir, AgentLedger.LegacyFileName);
        var statePath = Path.Combine(lab.StateDir, AgentLedger.FileName);
        var ledger = JsonNode.Parse(File.ReadAllBytes(statePath))!.AsObject();
        File.Delete(statePath);
        ledger["agents"]!.AsArray().Add(new JsonObject
        {
            ["id"] = 7, ["host"] = "pem", ["key"] = victims.CronJob, ["certificate"] = victims.Secret, ["backup_dir"] = victims.Root,
            ["subject"] = "/CN=agent7", ["serial"] = serverSerial, ["issuer"] = "/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca",
        });
        attacker.Write(ledgerPath + ".new", Encoding.UTF8.GetBytes(ledger.ToJsonString()));
        attacker.Run("mv", "-f", ledgerPath + ".new", ledgerPath);
        var crl = Path.Combine(lab.DataDir, "root.crl");
        var managed = new[] { crl, Path.Combine(lab.DataDir, "server.key"), Path.Combine(lab.CertDir(1), "agent1.key"), Path.Combine(lab.CertDir(1), "agent1.crt") };
        var before = victims.Snapshot(managed);

        // When root rolls back to the newest set
        var rollback = SshCli.Run(lab.Root, "rollback", "--auto-approve");

        // Then it is refused, naming the manifest, and nothing changed
        Assert.True(rollback.ExitCode == 1, $"{rollback.Stdout}\n{rollback.Stderr}");
        Assert.Contains($"pem:{manifest}: files[0]", rollback.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, victims.Snapshot(managed));

        // When root applies with the invented ledger agent
        var apply = Apply(lab);

        // Then the entry is refused by name, no victim is deleted, the server's serial is not revoked
        Assert.True(apply.ExitCode == 0, $"{apply.Stdout}\n{apply.Stderr}");
        Assert.Contains($"ledger pem:{ledgerPath}: entry agent 7 on pem (serial {serverSerial}): serial {serverSerial} is held by server.certificate", apply.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, victims.Snapshot(managed));

        // and the real rollback still works
        var real = SshCli.Run(lab.Root, "rollback", "--backup", realId, "--auto-approve");
        Assert.True(real.ExitCode == 0, $"{real.Stdout}\n{real.Stderr}");
        Assert.Equal(firstAgentCert, File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent1.crt")));
        Assert.Equal(before.Where(v => v.Key.StartsWith(victims.Root, StringComparison.Ordinal)),
            victims.Snapshot().Where(v => v.Key.StartsWith(victims.Root, StringComparison.Ordinal)));
    }

    private static (int ExitCode, string Stdout, string Stderr) Apply(SshLab lab) => SshCli.Run(lab.Root, "apply", "--auto-approve");
}
