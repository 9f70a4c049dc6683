using System.Diagnostics;
using PemCertState.Execution;
using PemCertState.Observation;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// server.state_dir: pemstate's journal, agent ledger, lock and server backups live in a folder of root's alone, out of
/// data_dir (which the database account owns and pg_basebackup copies). The next apply moves what an older pemstate left
/// in data_dir; a state folder another account can change is refused before anything is written.
/// </summary>
public sealed class StateFolderTests
{
    private static readonly UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    [Fact]
    public void An_older_pemstates_journal_ledger_and_backup_set_in_data_dir_move_to_the_state_folder_on_the_next_apply()
    {
        // Given a lab converged and renamed once (a backup set), with its state planted where today's main kept it:
        // the journal and ledger in data_dir, the server's backup set in data_dir/certs/<id>/, no lock
        using var lab = Lab.Create(agents: 1, revokeRemoved: true);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        var set = Assert.Single(Directory.GetDirectories(Path.Combine(lab.StateDir, "backups")));
        var id = Path.GetFileName(set);
        var legacyCerts = Path.Combine(lab.DataDir, "certs");
        var legacySet = Path.Combine(legacyCerts, id);
        var legacyJournal = Path.Combine(lab.DataDir, Journal.LegacyFileName);
        var legacyLedger = Path.Combine(lab.DataDir, AgentLedger.LegacyFileName);
        Directory.CreateDirectory(legacyCerts, PrivateFolder);
        Directory.Move(set, legacySet);
        File.Move(Path.Combine(lab.StateDir, Journal.FileName), legacyJournal);
        File.Move(Path.Combine(lab.StateDir, AgentLedger.FileName), legacyLedger);
        var setFiles = Directory.GetFiles(legacySet).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        var ledger = File.ReadAllBytes(legacyLedger);
        var oldServerCertificate = setFiles["server.crt"];
        // and a person's own EDB-style backups beside them, without a manifest
        File.WriteAllText(Path.Combine(legacyCerts, "server.crt.by-hand"), "kept\n");
        Directory.CreateDirectory(Path.Combine(legacyCerts, "2025-before-upgrade"));
        File.WriteAllText(Path.Combine(legacyCerts, "2025-before-upgrade", "server.key"), "kept too\n");

        // When it is planned
        var plan = Pemstate.Run(lab.Root, "plan", "--detailed-exitcode");

        // Then the plan moves each of them, first, and nothing else
        Assert.True(plan.ExitCode == 2, plan.Stdout + plan.Stderr);
        Assert.StartsWith("# state on pem\n", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"> move          {legacyJournal} -> {Path.Combine(lab.StateDir, Journal.FileName)} (0600, then removed from data_dir)", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"> move          {legacyLedger} -> {Path.Combine(lab.StateDir, AgentLedger.FileName)} (0600", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"> move          {legacySet} -> {set} (0600", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("Plan: 3 steps on 1 resource", plan.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("by-hand", plan.Stdout, StringComparison.Ordinal);

        // When it is applied
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then the state is in the state folder, root's and private, and nothing of pemstate's is left in data_dir
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.Equal(setFiles, Directory.GetFiles(set).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes));
        Assert.All(Directory.GetFiles(set), f => Assert.Equal(Private, File.GetUnixFileMode(f)));
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(set));
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(lab.StateDir));
        Assert.Equal(ledger, File.ReadAllBytes(Path.Combine(lab.StateDir, AgentLedger.FileName)));
        Assert.True(File.Exists(Path.Combine(lab.StateDir, Journal.FileName)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(lab.DataDir, ".pemstate*"));
        Assert.False(Directory.Exists(legacySet));
        // and the person's own backups are where they were
        Assert.Equal("kept\n", File.ReadAllText(Path.Combine(legacyCerts, "server.crt.by-hand")));
        Assert.Equal("kept too\n", File.ReadAllText(Path.Combine(legacyCerts, "2025-before-upgrade", "server.key")));

        // and the next plan is empty
        var again = Pemstate.Run(lab.Root, "plan", "--detailed-exitcode");
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);

        // and the moved set is listed and rolls back
        var backups = Pemstate.Run(lab.Root, "backups");
        Assert.True(backups.ExitCode == 0, backups.Stdout + backups.Stderr);
        Assert.Contains(id, backups.Stdout, StringComparison.Ordinal);
        var rollback = Pemstate.Run(lab.Root, "rollback", "--backup", id, "--auto-approve");
        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
        Assert.Equal(oldServerCertificate, File.ReadAllBytes(Path.Combine(lab.DataDir, "server.crt")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(lab.DataDir, ".pemstate*"));
    }

    [Fact]
    public void A_forged_backup_set_in_data_dir_is_not_moved_into_the_state_folder()
    {
        // Given a converged lab and, in data_dir/certs, a set whose copy does not have the hash its manifest records
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        var set = Assert.Single(Directory.GetDirectories(Path.Combine(lab.StateDir, "backups")));
        var legacySet = Path.Combine(lab.DataDir, "certs", Path.GetFileName(set));
        Directory.CreateDirectory(Path.Combine(lab.DataDir, "certs"));
        Directory.Move(set, legacySet);
        File.WriteAllText(Path.Combine(legacySet, "server.crt"), "someone else's certificate\n");

        // When it is applied
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then it is named and left where it is; the state folder gets nothing from it
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);
        Assert.Contains($"Warning: old backup set pem:{Path.Combine(legacySet, "manifest.json")}: server.crt does not have the SHA-256 its manifest records", apply.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(legacySet, "manifest.json")));
        Assert.False(Directory.Exists(set));
    }

    [Fact]
    public void A_state_folder_another_account_owns_is_refused_naming_it_and_nothing_changes()
    {
        // Given a converged lab with a change to apply, whose state folder now belongs to another account
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        Run("chown", "-R", "nobody", lab.StateDir);
        var before = lab.Fingerprint();

        // When it is planned, applied and its backups pruned
        var plan = Pemstate.Run(lab.Root, "plan");
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        var prune = Pemstate.Run(lab.Root, "backups", "prune", "--keep", "0");

        // Then the plan names the host, the folder, its owner and mode; apply and prune refuse; not one file changed
        Assert.Equal(0, plan.ExitCode);
        var problem = $"pem: state folder {lab.StateDir} (server.state_dir) can be changed by an account other than root: {lab.StateDir} (owner nobody, 0700)";
        Assert.Contains($"Warning: {problem}", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Apply will refuse: state on pem: will not write the journal, the agent ledger, the lock or backups to {lab.StateDir}", plan.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("apply refused", apply.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, prune.ExitCode);
        Assert.Contains(problem, prune.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", prune.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, lab.Fingerprint());
    }

    [Fact]
    public void A_state_folder_below_a_folder_another_account_owns_is_refused_and_never_created()
    {
        // Given a fresh lab whose state_dir is inside a folder that belongs to another account
        using var lab = Lab.Create(agents: 1);
        var shared = Path.Combine(lab.Root, "shared");
        Directory.CreateDirectory(shared);
        Run("chown", "nobody", shared);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("state_dir: state", "state_dir: shared/state", StringComparison.Ordinal));

        // When it is applied
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then it is refused, naming that folder, and nothing at all was written
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains($"{Path.Combine(shared, "state")} (server.state_dir) can be changed by an account other than root: {shared} (owner nobody, 0755)", apply.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(shared, "state")));
        Assert.False(Directory.Exists(lab.DataDir));
    }

    private static void Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file}: {process.StandardError.ReadToEnd()}");
    }
}
