using System.Text.Json;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// The real `pemstate apply` process killed with SIGKILL after each step in turn. After each crash:
/// the next plan says where it stopped, the next apply converges (owed restarts included), the plan
/// after that is empty, every pair verifies, and every backup copy has the hash its manifest says.
/// </summary>
public sealed class CrashRecoveryTests
{
    /// <summary>A fresh two-agent lab plans 20 steps; a renewal at day 340 plans 17 (both checked below).</summary>
    public static TheoryData<int> FreshCrashPoints() => [.. Enumerable.Range(1, 19)];

    public static TheoryData<int> RenewalCrashPoints() => [.. Enumerable.Range(1, 16)];

    [Theory]
    [MemberData(nameof(FreshCrashPoints))]
    public async Task A_fresh_apply_killed_after_any_step_is_converged_by_the_next_apply(int step)
    {
        // Given
        using var lab = Lab.Create(agents: 2);
        Assert.Equal(20, (await lab.PlanAsync()).Steps.Count);

        // When
        Pemstate.ApplyAndKillAfterStep(lab.Root, step);

        // Then
        await AssertRecoversAsync(lab, step, null);
    }

    [Theory]
    [MemberData(nameof(RenewalCrashPoints))]
    public async Task A_renewal_killed_after_any_step_is_converged_by_the_next_apply(int step)
    {
        // Given a lab converged today and renewed 340 days later (server, CRL and agents inside their window)
        using var lab = Lab.Create(agents: 2);
        await lab.ApplyAsync();
        var later = Lab.Today.AddDays(340);
        Assert.Equal(17, (await lab.PlanAsync(later)).Steps.Count);
        var oldServerKey = Crypto(File.ReadAllBytes(Path.Combine(lab.DataDir, "server.key")));

        // When
        Pemstate.ApplyAndKillAfterStep(lab.Root, step, later);

        // Then
        await AssertRecoversAsync(lab, step, later);
        // and no file was lost: the key the renewal replaced is in a backup set
        var backedUp = Directory.EnumerateFiles(Path.Combine(lab.StateDir, "backups"), "server.key*", SearchOption.AllDirectories).Select(p => Crypto(File.ReadAllBytes(p)));
        Assert.Contains(oldServerKey, backedUp);
    }

    internal static async Task AssertRecoversAsync(Lab lab, int step, DateTimeOffset? now)
    {
        var environment = now is { } at ? new Dictionary<string, string?> { ["PEMSTATE_NOW"] = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture) } : null;
        var restartsBefore = File.Exists(lab.RestartLog) ? File.ReadAllLines(lab.RestartLog).Length : 0;

        // the next plan says where the killed apply stopped
        // (agents' steps run in parallel, so other agents' steps may have completed beyond the one killed after)
        var note = Assert.Single((await lab.PlanAsync(now)).Notes);
        var journal = (await lab.ObserveAsync()).Journal!;
        Assert.Contains(step, journal.Completed);
        Assert.Contains($"stopped after step {journal.CompletedThrough}", note, StringComparison.Ordinal);

        // the next apply (the real process again) converges
        var apply = Pemstate.RunWith(lab.Root, environment, "apply", "--auto-approve", "--break-lock");
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);

        // and leaves nothing to do, with every pair chaining to root.crt
        Assert.Empty((await lab.PlanAsync(now)).Steps);
        Assert.Empty(PemCertState.Verification.OfflineVerifier.Verify(lab.Desired, await lab.ObserveAsync(), now ?? Lab.Today));

        // every restart the interrupted apply owed has run by now: the server restart is always last, so it must appear
        var restarts = File.ReadAllLines(lab.RestartLog);
        Assert.Equal("server", restarts[^1]);
        Assert.True(restarts.Length > restartsBefore);

        foreach (var manifest in Directory.EnumerateFiles(lab.Root, "manifest.json", SearchOption.AllDirectories))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(manifest));
            foreach (var entry in json.RootElement.GetProperty("files").EnumerateArray())
            {
                var copy = Path.Combine(Path.GetDirectoryName(manifest)!, entry.GetProperty("backup_file").GetString()!);
                Assert.Equal(entry.GetProperty("sha256").GetString(), Crypto(File.ReadAllBytes(copy)));
            }
        }
        Assert.False(File.Exists(Path.Combine(lab.StateDir, PemCertState.Execution.ApplyLock.FileName)));
        // and pemstate kept nothing of its own in data_dir, which pg_basebackup copies as the database account
        Assert.Empty(Directory.EnumerateFileSystemEntries(lab.DataDir, ".pemstate*"));
        Assert.False(Directory.Exists(Path.Combine(lab.DataDir, "certs")));
    }

    private static string Crypto(byte[] bytes) => PemCertState.Crypto.Fingerprints.Sha256Hex(bytes);
}
