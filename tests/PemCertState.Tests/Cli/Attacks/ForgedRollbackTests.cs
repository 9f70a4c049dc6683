using System.Text;
using System.Text.Json;
using PemCertState.Crypto;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli.Attacks;

/// <summary>
/// Issue 16, attack 1: the account that owns an agent's cert_dir plants a backup set, newer than any real one, whose
/// manifest.json names files outside what pemstate manages, or copies from outside the set. `pemstate rollback` runs as
/// root; it must refuse the set, change nothing, say which manifest and entry, and still roll back to a real set.
/// </summary>
[Trait("Category", "Attack")]
public sealed class ForgedRollbackTests
{
    private const string RealId = "20261127T120000Z";
    private const string ForgedId = "20261127T130000Z";

    public enum Forgery
    {
        /// <summary>Attacker bytes, with their true hash, to a root-owned 0644 file in a cron folder.</summary>
        WritesACronJob,
        /// <summary>A root-only file copied to the agent's key path (which the attacker reads), through an absolute backup_file and no hash.</summary>
        CopiesASecretOutByAbsolutePath,
        /// <summary>The same through a backup_file with "../".</summary>
        CopiesASecretOutByDotDot,
        /// <summary>The server's key (a managed file, but not this agent's) from the agent's own folder.</summary>
        ReachesTheServerKeyFromAnAgentFolder,
        /// <summary>A managed file of this agent, restored setuid and world-writable.</summary>
        RestoresASetuidMode,
        /// <summary>A well-formed manifest whose copy is not the bytes it records (swapped after the fact).</summary>
        RecordsAHashTheCopyDoesNotHave,
    }

    [Theory]
    [InlineData(Forgery.WritesACronJob)]
    [InlineData(Forgery.CopiesASecretOutByAbsolutePath)]
    [InlineData(Forgery.CopiesASecretOutByDotDot)]
    [InlineData(Forgery.ReachesTheServerKeyFromAnAgentFolder)]
    [InlineData(Forgery.RestoresASetuidMode)]
    [InlineData(Forgery.RecordsAHashTheCopyDoesNotHave)]
    public async Task A_forged_backup_set_in_an_agent_folder_is_refused_and_a_real_rollback_still_works(Forgery forgery)
    {
        // Given a lab where agent 1's account owns its cert_dir (and the certs/ folder in it), after two applies
        using var lab = Lab.Create(agents: 2);
        using var victims = VictimFiles.Create();
        using var attacker = HostileAccount.Create();
        lab.TrustAccount(attacker.Name);
        Directory.CreateDirectory(Path.Combine(lab.CertDir(1), "certs"));
        attacker.Own(lab.CertDir(1));
        HostileAccount.AllowTraverse(lab.Root, lab.CertDir(1));
        await lab.ApplyAsync();
        var firstApply = lab.Fingerprint();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal)
            .Replace("/C=IN/ST=MH/L=Pune/O=PEM\n", "/C=IN/ST=MH/L=Pune/O=PEM2\n", StringComparison.Ordinal));
        var second = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        Assert.True(second.ExitCode == 0, second.Stderr);

        // and, planted by that account, a newer backup set
        var agentKey = Path.Combine(lab.CertDir(1), "agent1.key");
        var serverKey = Path.Combine(lab.DataDir, "server.key");
        var forgedFolder = Path.Combine(lab.CertDir(1), "certs", ForgedId);
        var manifestPath = Path.Combine(forgedFolder, "manifest.json");
        var payload = Encoding.UTF8.GetBytes("* * * * * root /tmp/attacker-owns-this-host\n");
        attacker.Run("mkdir", forgedFolder);
        attacker.Write(Path.Combine(forgedFolder, "payload"), payload);
        var entry = forgery switch
        {
            Forgery.WritesACronJob => Entry("agent[1].certificate", victims.CronJob, "payload", Hash(payload), "0644", "root"),
            Forgery.CopiesASecretOutByAbsolutePath => Entry("agent[1].certificate", agentKey, victims.Secret, null, "0644", attacker.Name),
            Forgery.CopiesASecretOutByDotDot => Entry("agent[1].certificate", agentKey, Path.GetRelativePath(forgedFolder, victims.Secret), null, "0644", attacker.Name),
            Forgery.ReachesTheServerKeyFromAnAgentFolder => Entry("server.certificate", serverKey, "payload", Hash(payload), "0600", "root"),
            Forgery.RestoresASetuidMode => Entry("agent[1].settings", lab.AgentConfig(1), "payload", Hash(payload), "4777", "root"),
            Forgery.RecordsAHashTheCopyDoesNotHave => Entry("agent[1].certificate", Path.Combine(lab.CertDir(1), "agent1.crt"), "payload", Hash([.. payload, 0]), "0600", "root"),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };
        attacker.Write(manifestPath, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["id"] = ForgedId, ["created_at"] = "2026-11-27T13:00:00+00:00", ["host"] = "pem", ["files"] = new[] { entry },
        }));
        var managed = new[] { agentKey, Path.Combine(lab.CertDir(1), "agent1.crt"), lab.AgentConfig(1), serverKey, Path.Combine(lab.DataDir, "server.crt") };
        var before = victims.Snapshot(managed);

        // When root rolls back to the newest set, as `pemstate rollback --auto-approve` does by default
        var rollback = Pemstate.Run(lab.Root, "rollback", "--auto-approve");

        // Then it refuses, names the manifest, and neither a victim nor a managed file changed
        Assert.True(rollback.ExitCode == 1, $"exit {rollback.ExitCode}\n{rollback.Stdout}\n{rollback.Stderr}");
        Assert.Contains($"pem:{manifestPath}", rollback.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", rollback.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, victims.Snapshot(managed));
        Assert.DoesNotContain("Apply complete", rollback.Stdout, StringComparison.Ordinal);

        // and `pemstate backups` reports a manifest that fails its checks while still listing the real set
        var backups = Pemstate.Run(lab.Root, "backups");
        Assert.Contains(RealId, backups.Stdout, StringComparison.Ordinal);
        if (forgery != Forgery.RecordsAHashTheCopyDoesNotHave)
        {
            Assert.Equal(2, backups.ExitCode);
            Assert.Contains($"pem:{manifestPath}: files[0]", backups.Stderr, StringComparison.Ordinal);
        }

        // and the real rollback, named, still puts back what the first apply left
        var real = Pemstate.Run(lab.Root, "rollback", "--backup", RealId, "--auto-approve");
        Assert.True(real.ExitCode == 0, $"{real.Stdout}\n{real.Stderr}");
        foreach (var file in new[] { serverKey, Path.Combine(lab.DataDir, "server.crt"), agentKey, Path.Combine(lab.CertDir(2), "agent2.crt") })
            Assert.True(firstApply[file].Sha256 == Fingerprints.Sha256Hex(File.ReadAllBytes(file)), $"{file} was not put back\n{real.Stdout}");
        Assert.Equal(before.Where(v => v.Key.StartsWith(victims.Root, StringComparison.Ordinal)),
            victims.Snapshot().Where(v => v.Key.StartsWith(victims.Root, StringComparison.Ordinal)));
        Assert.Equal("0600", Convert.ToString((int)File.GetUnixFileMode(agentKey), 8).PadLeft(4, '0'));
    }

    /// <summary>Issue 16, item 8: a manifest without an id made `pemstate backups` throw NullReferenceException.</summary>
    [Fact]
    public async Task A_manifest_without_an_id_is_reported_with_host_and_path_and_the_real_sets_are_still_listed()
    {
        // Given a lab with a real backup set, and a manifest without an id planted beside it
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        var folder = Path.Combine(lab.CertDir(1), "certs", ForgedId);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "manifest.json"), """{ "created_at": "2026-11-27T13:00:00+00:00", "host": "pem", "files": [] }""");

        // When
        var backups = Pemstate.Run(lab.Root, "backups");

        // Then the run does not crash: it names the host, the manifest and what is wrong, and lists the real set
        Assert.Equal(2, backups.ExitCode);
        Assert.DoesNotContain("Exception", backups.Stderr, StringComparison.Ordinal);
        Assert.Contains($"pem:{Path.Combine(folder, "manifest.json")}: id is missing or null", backups.Stderr, StringComparison.Ordinal);
        Assert.Contains(RealId, backups.Stdout, StringComparison.Ordinal);
    }

    private static Dictionary<string, object?> Entry(string address, string path, string backupFile, string? sha256, string mode, string owner) => new()
    {
        ["address"] = address, ["host"] = "pem", ["path"] = path, ["backup_file"] = backupFile, ["sha256"] = sha256, ["mode"] = mode, ["owner"] = owner,
    };

    private static string Hash(byte[] bytes) => Fingerprints.Sha256Hex(bytes);
}
