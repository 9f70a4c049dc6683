using System.Security.Cryptography;
using PemCertState.Crypto;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Issue 18, item 7: every write goes through a private 0700 folder (".pemstate-" and 32 hex digits) made in the target's
/// folder; a kill -9 between creating the file and renaming it out leaves that folder with a complete file inside, maybe a
/// private key, and an older pemstate left ".NAME.&lt;hex&gt;.pemstate-tmp" files the same way. Nothing reported or removed
/// them. The next apply removes what it can prove it made, in managed folders only, and leaves every look-alike alone.
/// </summary>
[Trait("Category", "Attack")]
public sealed class InterruptedWriteLeftoverTests
{
    [Fact]
    public async Task What_interrupted_writes_left_is_planned_and_removed_by_the_next_apply_and_every_look_alike_is_left_alone()
    {
        // Given a converged lab whose agent 1 cert_dir belongs to another account, as an agent's OS user owns it
        using var lab = Lab.Create(agents: 2);
        using var victims = VictimFiles.Create();
        using var attacker = HostileAccount.Create();
        lab.TrustAccount(attacker.Name);
        Directory.CreateDirectory(lab.CertDir(1));
        attacker.Own(lab.CertDir(1));
        HostileAccount.AllowTraverse(lab.Root, lab.CertDir(1));
        await lab.ApplyAsync();
        var serverKey = File.ReadAllBytes(Path.Combine(lab.DataDir, "server.key"));
        var agentKey = File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent1.key"));

        // and what kills left: private folders of root's, 0700, with a complete file (or nothing) inside, and an older temp file
        var ours = new[]
        {
            PrivateFolder(lab.DataDir, ("server.key", serverKey)),
            PrivateFolder(lab.CertDir(2)),
            PrivateFolder(Path.GetDirectoryName(lab.AgentConfig(2))!, ("agent.cfg", File.ReadAllBytes(lab.AgentConfig(2)))),
            Write(Path.Combine(lab.CertDir(1), $".agent1.key.{Hex()}.pemstate-tmp"), agentKey),
        };
        // and look-alikes pemstate did not make: another account's, a wider mode, a link, a name it never writes, a hard link
        var strangers = new List<string>();
        var attackers = Path.Combine(lab.CertDir(1), $".pemstate-{Hex()}");
        attacker.Run("mkdir", "-m", "700", attackers);
        attacker.Write(Path.Combine(attackers, "agent1.key"), agentKey);
        strangers.Add(attackers);
        var attackersTemp = Path.Combine(lab.CertDir(1), $".agent1.crt.{Hex()}.pemstate-tmp");
        attacker.Write(attackersTemp, [1, 2, 3]);
        strangers.Add(attackersTemp);
        var wide = PrivateFolder(lab.DataDir, ("server.key", serverKey));
        File.SetUnixFileMode(wide, (UnixFileMode)0b111_101_101);
        strangers.Add(wide);
        var link = Path.Combine(lab.DataDir, $".pemstate-{Hex()}");
        File.CreateSymbolicLink(link, Path.GetDirectoryName(victims.Secret)!);
        strangers.Add(link);
        strangers.Add(PrivateFolder(lab.DataDir, ("authorized_keys", "ssh-ed25519 AAAA planted\n"u8.ToArray())));
        var hardLinked = PrivateFolder(lab.DataDir);
        Assert.Equal(0, Link(victims.Secret, Path.Combine(hardLinked, "server.crt")));
        strangers.Add(hardLinked);
        // and names that are not exactly pemstate's, or not in a folder it manages: not looked at, not mentioned
        var unnamed = new[]
        {
            PrivateFolder(lab.DataDir, $".pemstate-{Hex().ToUpperInvariant()}", ("server.key", serverKey)),
            PrivateFolder(lab.DataDir, $".pemstate-{Hex()}0", ("server.key", serverKey)),
            Write(Path.Combine(lab.DataDir, $".passwd.{Hex()}.pemstate-tmp"), [4, 5, 6]),
            PrivateFolder(lab.Root, ("server.key", serverKey)),
        };
        var before = Snapshot([.. strangers, .. unnamed]);
        var victimsBefore = victims.Snapshot();

        // When it is planned
        var plan = Pemstate.Run(lab.Root, "plan", "--detailed-exitcode");

        // Then each of pemstate's own is a step, each look-alike is named in a warning with why, and nothing else is mentioned
        Assert.True(plan.ExitCode == 2, plan.Stdout + plan.Stderr);
        foreach (var path in ours) Assert.Contains($"- remove leftover {path} (left by an interrupted write", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Plan: {ours.Length} steps on 1 resource ({ours.Length} remove leftover)", plan.Stdout, StringComparison.Ordinal);
        foreach (var path in strangers) Assert.Contains($"\"{Path.GetFileName(path)}\" (", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"its owner is {attacker.Name}", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("its mode is 0755", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("it is a symbolic link", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("it holds \"authorized_keys\", a name pemstate does not write there", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("it has 2 hard links", plan.Stdout, StringComparison.Ordinal);
        foreach (var path in unnamed) Assert.DoesNotContain(Path.GetFileName(path), plan.Stdout + plan.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", plan.Stdout + plan.Stderr, StringComparison.Ordinal);

        // When it is applied
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then pemstate's own are gone, and every look-alike, what it holds and what a link points at are as they were
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.All(ours, path => Assert.False(Path.Exists(path), $"{path} is still there"));
        Assert.Equal(before, Snapshot([.. strangers, .. unnamed]));
        Assert.Equal(victimsBefore, victims.Snapshot());
        Assert.Equal(Path.GetDirectoryName(victims.Secret), new FileInfo(link).LinkTarget);

        // and the next plan has nothing left to remove
        var again = Pemstate.Run(lab.Root, "plan", "--detailed-exitcode");
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
    }

    [Fact]
    public void After_an_apply_killed_in_its_backups_a_leftover_in_its_backup_set_is_removed_and_its_incomplete_set_is_named()
    {
        // Given a renamed lab whose apply was killed after its first step, the server's backup, and what a kill in the
        // middle of agent 1's backup leaves: that folder of the set without manifest.json, a copy in it, and a private
        // folder holding the next copy
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal)
            .Replace("/C=IN/ST=MH/L=Pune/O=PEM\n", "/C=IN/ST=MH/L=Pune/O=PEM2\n", StringComparison.Ordinal));
        Pemstate.ApplyAndKillAfterStep(lab.Root, 1);
        var id = Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(lab.StateDir, "backups"))));
        var agentSet = Path.Combine(lab.CertDir(1), "certs", id);
        Directory.CreateDirectory(agentSet, (UnixFileMode)0b111_000_000);
        Write(Path.Combine(agentSet, "agent1.key"), File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent1.key")));
        var leftover = PrivateFolder(agentSet, ("agent1.crt", File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent1.crt"))));

        // When it is planned, and the backups are listed
        var plan = Pemstate.Run(lab.Root, "plan");
        var backups = Pemstate.Run(lab.Root, "backups");

        // Then the leftover is a step, and the incomplete set is named in a warning and by backups
        Assert.Contains($"- remove leftover {leftover} (", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Warning: pem:{agentSet} is an incomplete backup set", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"pem:{agentSet}: the interrupted apply", backups.Stdout, StringComparison.Ordinal);

        // When the next apply runs, as the lock's message says
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--break-lock");

        // Then it converges, the leftover is gone, and the incomplete set, which may be evidence, is still there
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.False(Directory.Exists(leftover));
        Assert.True(File.Exists(Path.Combine(agentSet, "agent1.key")));
    }

    private static string Hex() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string PrivateFolder(string parent, params (string Name, byte[] Content)[] files) =>
        PrivateFolder(parent, $".pemstate-{Hex()}", files);

    /// <summary>What LocalHost.WriteAtomicAsync leaves when killed before its rename: root's 0700 folder, the file 0600 inside.</summary>
    private static string PrivateFolder(string parent, string name, params (string Name, byte[] Content)[] files)
    {
        var folder = Path.Combine(parent, name);
        Directory.CreateDirectory(folder, (UnixFileMode)0b111_000_000);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_000_000);
        foreach (var (file, content) in files) Write(Path.Combine(folder, file), content);
        return folder;
    }

    private static string Write(string path, byte[] content)
    {
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_000_000);
        return path;
    }

    private static int Link(string target, string path)
    {
        using var process = System.Diagnostics.Process.Start("ln", [target, path]);
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Every path and what is under it: kind, mode, owner, link target, content hash.</summary>
    private static Dictionary<string, string> Snapshot(IEnumerable<string> paths)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target) { result[path] = $"link -> {target}"; continue; }
            if (!Path.Exists(path)) { result[path] = "missing"; continue; }
            IEnumerable<string> entries = Directory.Exists(path) ? Directory.EnumerateFiles(path).Order(StringComparer.Ordinal) : [path];
            result[path] = $"{Convert.ToString((int)File.GetUnixFileMode(path), 8)} " + string.Join(", ",
                entries.Select(e => $"{Path.GetFileName(e)} {Convert.ToString((int)File.GetUnixFileMode(e), 8)} {Fingerprints.Sha256Hex(File.ReadAllBytes(e))}"));
        }
        return result;
    }
}
