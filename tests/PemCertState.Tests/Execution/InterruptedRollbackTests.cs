using System.Text.Json;
using PemCertState.Crypto;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Issue 18, item 3: a rollback backs up what it replaces as a new set before it writes. Killed half-way and run
/// again, it took that new, partial set for the newest one and restored it: the files the rollback had not reached
/// stayed, the ones it had went back, and no file was the chosen set's. The rerun must finish the same rollback.
/// </summary>
public sealed class InterruptedRollbackTests
{
    /// <summary>The set the second apply left (the pinned clock's second).</summary>
    private const string TargetId = "20261127T120000Z";

    /// <summary>The set the rollback itself makes, in the same pinned second.</summary>
    private const string RollbackId = "20261127T120000Z-1";

    /// <summary>Server, agent 1, agent 2: a backup and two restores each, then three restarts (checked below).</summary>
    public static TheoryData<int> KillPoints() => [.. Enumerable.Range(1, 12)];

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task A_rollback_killed_after_any_step_is_finished_by_the_next_rollback(int step)
    {
        // Given a lab applied, renamed and applied again: set TargetId holds what the first apply wrote
        using var lab = await RenamedLabAsync();
        var target = Files(lab, TargetId);
        Assert.Equal(6, target.Count);
        Assert.Equal(12, await RollbackStepsAsync(lab));
        var beforeRollback = target.Keys.ToDictionary(p => p, p => Sha256(p));
        Assert.All(target, f => Assert.NotEqual(f.Value, beforeRollback[f.Key]));

        // When the rollback to it is killed after step N, and `pemstate rollback` is run again as the lock's message says
        Pemstate.RunAndKillAfterStep(lab.Root, step, null, "rollback", "--auto-approve");
        var rerun = Pemstate.Run(lab.Root, "rollback", "--auto-approve", "--break-lock");

        // Then every file is the target set's, and the rerun said it was continuing that rollback
        Assert.True(rerun.ExitCode == 0, $"exit {rerun.ExitCode}\n{rerun.Stdout}\n{rerun.Stderr}");
        foreach (var (path, sha256) in target) Assert.True(sha256 == Sha256(path), $"{path} is not the one in {TargetId}\n{rerun.Stdout}");
        Assert.Contains($"Continuing the interrupted rollback to {TargetId}", rerun.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Rolled back to {TargetId}.", rerun.Stdout, StringComparison.Ordinal);

        // and the rollback's own set, completed rather than begun again, holds every file as it was before the rollback
        Assert.Equal(beforeRollback, Files(lab, RollbackId));
        Assert.Equal([TargetId, RollbackId], Ids(lab));
    }

    [Fact]
    public async Task Naming_the_partial_set_of_an_interrupted_rollback_is_refused_and_says_how_to_finish_it()
    {
        // Given a rollback killed after it kept the server's files and restored one of them
        using var lab = await RenamedLabAsync();
        Pemstate.RunAndKillAfterStep(lab.Root, 2, null, "rollback", "--auto-approve");
        var before = lab.Fingerprint();

        // When the newest set `pemstate backups` lists, the rollback's own, is named
        var backups = Pemstate.Run(lab.Root, "backups");
        var rollback = Pemstate.Run(lab.Root, "rollback", "--backup", RollbackId, "--auto-approve", "--break-lock");

        // Then backups says what that set is, and the rollback refuses, changing nothing
        Assert.Contains($"rollback to {TargetId}, interrupted", backups.Stdout, StringComparison.Ordinal);
        Assert.True(rollback.ExitCode == 1, $"exit {rollback.ExitCode}\n{rollback.Stdout}\n{rollback.Stderr}");
        Assert.Contains($"{RollbackId} was made by the interrupted rollback to {TargetId}", rollback.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", rollback.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, lab.Fingerprint());
    }

    [Fact]
    public async Task What_the_killed_rollback_left_in_its_set_is_removed_by_the_rollback_that_finishes_it()
    {
        // Given a rollback killed while another lane had a manifest in its private folder, not yet renamed into the set
        using var lab = await RenamedLabAsync();
        Pemstate.RunAndKillAfterStep(lab.Root, 2, null, "rollback", "--auto-approve");
        var set = Directory.EnumerateDirectories(lab.Root, RollbackId, SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var leftover = Path.Combine(set, $".pemstate-{Guid.NewGuid():N}");
        Directory.CreateDirectory(leftover, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(leftover, "manifest.json"), "{}");

        // When the rollback is run again
        var rerun = Pemstate.Run(lab.Root, "rollback", "--auto-approve", "--break-lock");

        // Then it finished the same rollback and removed the private folder, as an apply would
        Assert.True(rerun.ExitCode == 0, $"exit {rerun.ExitCode}\n{rerun.Stdout}\n{rerun.Stderr}");
        Assert.Contains($"Rolled back to {TargetId}.", rerun.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(leftover), $"{leftover} is still there\n{rerun.Stdout}");
        Assert.Equal([TargetId, RollbackId], Ids(lab));
    }

    private static async Task<Lab> RenamedLabAsync()
    {
        var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal)
            .Replace("/C=IN/ST=MH/L=Pune/O=PEM\n", "/C=IN/ST=MH/L=Pune/O=PEM2\n", StringComparison.Ordinal));
        var second = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        return lab;
    }

    private static async Task<int> RollbackStepsAsync(Lab lab)
    {
        var desired = lab.Desired;
        await using var hosts = new PemCertState.Hosts.HostSet(desired);
        var sets = (await PemCertState.Execution.BackupCatalog.ListAsync(desired, hosts, CancellationToken.None)).Sets.Where(s => s.Id == TargetId).ToList();
        var observed = await new PemCertState.Observation.Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        return PemCertState.Planning.RollbackPlanner.Create(desired, sets, observed).Steps.Count;
    }

    /// <summary>Every file a backup id's manifests record (all its folders), with the SHA-256 recorded for it; the first entry of a path wins, as in a rollback.</summary>
    private static Dictionary<string, string> Files(Lab lab, string id)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var manifest in Directory.EnumerateFiles(lab.Root, "manifest.json", SearchOption.AllDirectories)
                     .Where(m => Path.GetFileName(Path.GetDirectoryName(m)) == id))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(manifest));
            foreach (var entry in json.RootElement.GetProperty("files").EnumerateArray())
                files.TryAdd(entry.GetProperty("path").GetString()!, entry.GetProperty("sha256").GetString()!);
        }
        return files;
    }

    private static List<string> Ids(Lab lab) =>
        [.. Directory.EnumerateFiles(lab.Root, "manifest.json", SearchOption.AllDirectories)
            .Select(m => Path.GetFileName(Path.GetDirectoryName(m))!).Distinct().Order(StringComparer.Ordinal)];

    private static string Sha256(string path) => Fingerprints.Sha256Hex(File.ReadAllBytes(path));
}
