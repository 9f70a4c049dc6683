using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>Saved plans that refuse to go stale, one apply at a time, backups and rollback.</summary>
public sealed class SafeApplyTests
{
    [Fact]
    public void A_saved_plan_applies_exactly_its_steps_and_holds_no_key_material()
    {
        // Given
        using var lab = Lab.Create(agents: 1);
        var plan = Pemstate.Run(lab.Root, "plan", "--out", "change.plan");
        Assert.Equal(0, plan.ExitCode);

        // When
        var apply = Pemstate.Run(lab.Root, "apply", "change.plan");

        // Then
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Contains("Apply complete: 15 steps", apply.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, Pemstate.Run(lab.Root, "plan", "--detailed-exitcode").ExitCode);
        var saved = File.ReadAllText(Path.Combine(lab.Root, "change.plan"));
        Assert.DoesNotContain("PRIVATE KEY", saved, StringComparison.Ordinal);
        Assert.Contains("\"observed\"", saved, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saved_plan_is_refused_when_a_file_it_depends_on_changed_and_the_change_is_named()
    {
        // Given a converged lab, a saved renewal plan, then a mode change behind its back
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        Assert.Equal(0, Pemstate.Run(lab.Root, "plan", "--out", "change.plan").ExitCode);
        var crt = Path.Combine(lab.CertDir(1), "agent1.crt");
        File.SetUnixFileMode(crt, (UnixFileMode)0b110_100_100);
        var before = lab.Fingerprint();

        // When
        var apply = Pemstate.Run(lab.Root, "apply", "change.plan");

        // Then
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("stale plan", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains($"pem:{crt}: was sha256=", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("mode=0644", apply.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, lab.Fingerprint());
    }

    [Fact]
    public void A_saved_plan_is_refused_when_the_inventory_changed()
    {
        // Given
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "plan", "--out", "change.plan").ExitCode);
        File.AppendAllText(lab.InventoryPath, "# edited after the plan\n");

        // When
        var apply = Pemstate.Run(lab.Root, "apply", "change.plan");

        // Then
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("stale plan", apply.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(lab.DataDir));
    }

    [Fact]
    public void Two_applies_at_once_one_runs_the_other_refuses_naming_the_holder()
    {
        // Given an apply that holds the lock (stopped after its first step)
        using var lab = Lab.Create(agents: 1);
        var environment = new Dictionary<string, string?> { ["PEMSTATE_FAILPOINT_AFTER_STEP"] = "1" };
        using var first = Pemstate.Start(lab.Root, environment, "apply", "--auto-approve");
        _ = first.StandardOutput.ReadToEndAsync();
        while (first.StandardError.ReadLine() is { } line && !line.Contains("failpoint", StringComparison.Ordinal)) { }

        // When a second apply starts
        var second = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then it refuses and names the holder's pid
        Assert.Equal(1, second.ExitCode);
        Assert.Contains($"pid {first.Id}", second.Stderr, StringComparison.Ordinal);
        Assert.Contains("another pemstate holds the lock", second.Stderr, StringComparison.Ordinal);

        // and once the holder is dead, the lock is reported as stale and broken only on request
        first.Kill(entireProcessTree: true);
        first.WaitForExit();
        var stale = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        Assert.Equal(1, stale.ExitCode);
        Assert.Contains("no longer running", stale.Stderr, StringComparison.Ordinal);
        var broken = Pemstate.Run(lab.Root, "apply", "--auto-approve", "--break-lock");
        Assert.True(broken.ExitCode == 0, broken.Stderr);
        Assert.Equal(0, Pemstate.Run(lab.Root, "plan", "--detailed-exitcode").ExitCode);
    }

    /// <summary>
    /// Two applies in the same second (a fast apply, or a fixed PEMSTATE_NOW as here): the second's backups must all
    /// share one new id. Chosen folder by folder, the server's set became "-1" while the agents' stayed plain, and a
    /// rollback put back the server and not the agents (found on the real PostgreSQL once applies got fast).
    /// </summary>
    [Fact]
    public async Task A_second_apply_in_the_same_second_backs_up_under_one_new_id_and_rollback_puts_all_of_it_back()
    {
        // Given a lab whose server certificate alone was replaced at 12:00:00, leaving a backup set of that second
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        var before = lab.Fingerprint();
        // and then, in the same second, the server certificate and the agents' certificates
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("CN=pem2.example.com", "CN=pem3.example.com", StringComparison.Ordinal)
            .Replace("/C=IN/ST=MH/L=Pune/O=PEM\n", "/C=IN/ST=MH/L=Pune/O=PEM2\n", StringComparison.Ordinal));
        var second = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        Assert.True(second.ExitCode == 0, second.Stderr);

        // When the last apply is rolled back
        var rollback = Pemstate.Run(lab.Root, "rollback", "--auto-approve");

        // Then the server's and the agents' files are back as the first change left them
        Assert.True(rollback.ExitCode == 0, rollback.Stderr);
        foreach (var file in new[] { Path.Combine(lab.DataDir, "server.crt"), Path.Combine(lab.CertDir(1), "agent1.crt"), Path.Combine(lab.CertDir(2), "agent2.crt") })
            Assert.True(before[file].Sha256 == PemCertState.Crypto.Fingerprints.Sha256Hex(File.ReadAllBytes(file)), $"{file} was not put back\n{rollback.Stdout}");
    }

    [Fact]
    public async Task Rollback_restores_the_bytes_modes_and_owners_of_a_backup_set_then_plan_shows_the_drift()
    {
        // Given a lab whose server certificate and agent pair were replaced by a second apply
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        var original = lab.Fingerprint();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal)
            .Replace("/C=IN/ST=MH/L=Pune/O=PEM\n", "/C=IN/ST=MH/L=Pune/O=PEM2\n", StringComparison.Ordinal));
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        var list = Pemstate.Run(lab.Root, "backups");
        Assert.Contains("20261127T120000Z", list.Stdout, StringComparison.Ordinal);
        File.WriteAllText(lab.RestartLog, "");

        // When
        var rollback = Pemstate.Run(lab.Root, "rollback", "--auto-approve");

        // Then the replaced files have their old bytes back
        Assert.True(rollback.ExitCode == 0, rollback.Stderr);
        foreach (var file in new[] { Path.Combine(lab.DataDir, "server.key"), Path.Combine(lab.DataDir, "server.crt"), Path.Combine(lab.CertDir(1), "agent1.key"), lab.AgentConfig(2) })
            Assert.Equal(original[file].Sha256, PemCertState.Crypto.Fingerprints.Sha256Hex(File.ReadAllBytes(file)));
        // and the restarts ran in the safe order, the server last
        Assert.Equal(["agent", "agent", "server"], File.ReadAllLines(lab.RestartLog));
        // and the plan shows the drift the rollback brought back
        Assert.Contains("want /C=IN/ST=MH/L=Pune/O=EDB/CN=pem2.example.com", rollback.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, Pemstate.Run(lab.Root, "plan", "--detailed-exitcode").ExitCode);
        Assert.Equal(0, Pemstate.Run(lab.Root, "verify").ExitCode);
    }

    [Fact]
    public async Task Backups_are_deleted_only_when_asked_and_prune_keeps_the_newest()
    {
        // Given a lab changed twice after its first apply: two backup ids
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        foreach (var name in new[] { "pem2", "pem3" })
        {
            File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem", $"CN={name}", StringComparison.Ordinal));
            Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        }
        var folders = Directory.GetDirectories(Path.Combine(lab.StateDir, "backups")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, folders.Count);
        var live = lab.Fingerprint().Where(f => !f.Key.Contains("/certs/", StringComparison.Ordinal) && !f.Key.Contains("/state/backups/", StringComparison.Ordinal)).ToDictionary();

        // When
        var prune = Pemstate.Run(lab.Root, "backups", "prune", "--keep", "1");

        // Then only the older set is gone; the newest and every live file stay
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        Assert.Contains($"Removed backup set pem:{folders[0]}", prune.Stdout, StringComparison.Ordinal);
        Assert.Equal([folders[1]], Directory.GetDirectories(Path.Combine(lab.StateDir, "backups")));
        Assert.Equal(live, lab.Fingerprint().Where(f => !f.Key.Contains("/certs/", StringComparison.Ordinal) && !f.Key.Contains("/state/backups/", StringComparison.Ordinal)).ToDictionary());
        Assert.DoesNotContain(Path.GetFileName(folders[0]) + " ", Pemstate.Run(lab.Root, "backups").Stdout, StringComparison.Ordinal);
    }
}
