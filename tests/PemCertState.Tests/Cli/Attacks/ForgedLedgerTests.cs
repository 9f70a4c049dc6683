using System.Text.Json.Nodes;
using PemCertState.Crypto;
using PemCertState.Observation;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli.Attacks;

/// <summary>
/// Issue 16, attack 5: the account that owns data_dir (postgres, enterprisedb) rewrites .pemstate-agents.json (where pemstate kept its ledger before state_dir) with
/// invented agents that have "left" the inventory, whose key and certificate paths point at files it wants root to
/// delete, and whose serials are the server's or the CA's. With agents.revoke_removed the next apply must not delete
/// those files nor revoke those serials, must name the ledger and each entry, and must still retire a real agent.
/// </summary>
[Trait("Category", "Attack")]
public sealed class ForgedLedgerTests
{
    [Fact]
    public async Task Invented_ledger_agents_delete_nothing_outside_their_cert_dir_revoke_no_managed_serial_and_a_real_retirement_still_works()
    {
        // Given a converged lab with revoke_removed, whose data_dir belongs to an unprivileged account
        using var lab = Lab.Create(agents: 2, revokeRemoved: true);
        using var victims = VictimFiles.Create();
        using var attacker = HostileAccount.Create();
        lab.TrustAccount(attacker.Name);
        await lab.ApplyAsync();
        attacker.Own(lab.DataDir);
        HostileAccount.AllowTraverse(lab.Root, lab.DataDir);
        // and agent 8's home, where that account links .pem to a root-only folder holding a file named agent8.key
        var linkedKeys = Path.Combine(victims.Root, "keys");
        Directory.CreateDirectory(linkedKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(linkedKeys, "agent8.key"), "root's own agent8.key\n");
        File.SetUnixFileMode(Path.Combine(linkedKeys, "agent8.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var home8 = Path.GetDirectoryName(lab.CertDir(8))!;
        Directory.CreateDirectory(home8);
        attacker.Own(home8);
        HostileAccount.AllowTraverse(lab.Root, home8);
        attacker.Run("ln", "-s", linkedKeys, lab.CertDir(8));

        var serverSerial = Serial(Path.Combine(lab.DataDir, "server.crt"));
        var caSerial = Serial(Path.Combine(lab.DataDir, "ca_certificate.crt"));
        var agent1Serial = Serial(Path.Combine(lab.CertDir(1), "agent1.crt"));
        var agent2Serial = Serial(Path.Combine(lab.CertDir(2), "agent2.crt"));
        var issuer = "/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca";
        // The ledger now lives in the root-only state folder; the account can only forge one where a pemstate from before
        // state_dir kept it, in data_dir, which is still read until the next apply moves it (an upgrade's first apply).
        var ledgerPath = Path.Combine(lab.DataDir, AgentLedger.LegacyFileName);
        var statePath = Path.Combine(lab.StateDir, AgentLedger.FileName);
        var ledger = JsonNode.Parse(File.ReadAllBytes(statePath))!.AsObject();
        File.Delete(statePath);
        var agents = ledger["agents"]!.AsArray();
        // paths anywhere, with the server's serial
        agents.Add(Entry(7, victims.CronJob, victims.Secret, Path.Combine(victims.Root, "backups"), serverSerial, issuer));
        // the paths the defaults give agent 8, through the planted link, with agent 1's serial
        agents.Add(Entry(8, Path.Combine(lab.CertDir(8), "agent8.key"), Path.Combine(lab.CertDir(8), "agent8.crt"), Path.Combine(lab.CertDir(8), "certs"), agent1Serial, issuer));
        // the paths the defaults give agent 9 (nothing there), with the CA's own serial
        agents.Add(Entry(9, Path.Combine(lab.CertDir(9), "agent9.key"), Path.Combine(lab.CertDir(9), "agent9.crt"), Path.Combine(lab.CertDir(9), "certs"), caSerial, issuer));
        // a relative path and a serial that is not hex
        agents.Add(Entry(10, "../../../" + victims.CronJob, victims.Secret, "/tmp", "ZZ", issuer));
        attacker.Write(ledgerPath + ".new", System.Text.Encoding.UTF8.GetBytes(ledger.ToJsonString()));
        attacker.Run("mv", "-f", ledgerPath + ".new", ledgerPath);

        var crlPath = Path.Combine(lab.DataDir, "root.crl");
        var managed = new[] { crlPath, Path.Combine(lab.DataDir, "server.key"), Path.Combine(lab.DataDir, "server.crt"), Path.Combine(lab.CertDir(1), "agent1.key"), Path.Combine(lab.CertDir(1), "agent1.crt") };
        var before = victims.Snapshot(managed);

        // When root applies
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then no victim and no managed file changed: nothing deleted, root.crl as it was (no serial of the server, the CA or agent 1)
        Assert.True(apply.ExitCode == 0, $"{apply.Stdout}\n{apply.Stderr}");
        Assert.Equal(before, victims.Snapshot(managed));
        var crl = OpenSsl.Run("crl", "-in", crlPath, "-noout", "-text").Output;
        foreach (var serial in new[] { serverSerial, caSerial, agent1Serial })
            Assert.DoesNotContain($"Serial Number: {serial}", crl, StringComparison.Ordinal);
        // and the plan named the ledger and every refused entry
        var where = $"ledger pem:{ledgerPath}";
        Assert.Contains($"{where}: entry agent 7 on pem (serial {serverSerial}): serial {serverSerial} is held by server.certificate", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{where}: entry agent 7 on pem (serial {serverSerial}): key", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{where}: entry agent 8 on pem (serial {agent1Serial}): {Path.Combine(lab.CertDir(8), "agent8.key")}", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains("symbolic link", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{where}: entry agent 9 on pem (serial {caSerial}): serial {caSerial} is held by ca", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{where}: entry agents[", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains("(agent 10): key", apply.Stdout, StringComparison.Ordinal);
        // and the forged file left data_dir; the refused entry did not reach the state folder
        Assert.False(File.Exists(ledgerPath));
        Assert.DoesNotContain("\"id\": 10", File.ReadAllText(statePath), StringComparison.Ordinal);

        // When a real agent leaves the inventory afterwards
        lab.RemoveAgent(2);
        var retire = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then it is revoked and its files removed, as before, and still no victim changed
        Assert.True(retire.ExitCode == 0, $"{retire.Stdout}\n{retire.Stderr}");
        Assert.Contains($"Serial Number: {agent2Serial}", OpenSsl.Run("crl", "-in", crlPath, "-noout", "-text").Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(lab.CertDir(2), "agent2.key")));
        Assert.False(File.Exists(Path.Combine(lab.CertDir(2), "agent2.crt")));
        Assert.Equal(before.Where(v => v.Key.StartsWith(victims.Root, StringComparison.Ordinal)),
            victims.Snapshot().Where(v => v.Key.StartsWith(victims.Root, StringComparison.Ordinal)));
        var crlAfter = OpenSsl.Run("crl", "-in", crlPath, "-noout", "-text").Output;
        foreach (var serial in new[] { serverSerial, caSerial, agent1Serial })
            Assert.DoesNotContain($"Serial Number: {serial}", crlAfter, StringComparison.Ordinal);
    }

    private static JsonObject Entry(int id, string key, string certificate, string backupDir, string serial, string issuer) => new()
    {
        ["id"] = id, ["host"] = "pem", ["key"] = key, ["certificate"] = certificate, ["backup_dir"] = backupDir,
        ["subject"] = $"/C=IN/ST=MH/L=Pune/O=PEM/CN=agent{id}", ["serial"] = serial, ["issuer"] = issuer,
    };

    private static string Serial(string certificate) =>
        CertificateSummary.From(PemCodec.DecodeCertificates(File.ReadAllBytes(certificate))[0]).Serial;
}
