using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// Issue 18, item 7: a kill in the middle of a backup leaves a folder named like a backup set without its manifest.json
/// (written last). `pemstate backups` showed nothing of it; it must be listed as incomplete, and never restored.
/// </summary>
public sealed class IncompleteBackupTests
{
    [Fact]
    public async Task Backups_lists_a_set_without_its_manifest_as_incomplete_and_rollback_never_picks_it()
    {
        // Given a lab with a real backup set, and a newer folder named like a set in agent 1's backup folder, holding a
        // copy of the agent's key but no manifest.json, as a kill in the middle of a backup leaves it
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);
        const string RealId = "20261127T120000Z", IncompleteId = "20261127T130000Z";
        var incomplete = Path.Combine(lab.CertDir(1), "certs", IncompleteId);
        Directory.CreateDirectory(incomplete, (UnixFileMode)0b111_000_000);
        Write(Path.Combine(incomplete, "agent1.key"), File.ReadAllBytes(Path.Combine(lab.CertDir(1), "agent1.key")));

        // When the backups are listed, and that id is named for a rollback
        var backups = Pemstate.Run(lab.Root, "backups");
        var named = Pemstate.Run(lab.Root, "rollback", "--backup", IncompleteId, "--auto-approve");

        // Then backups lists it apart, as incomplete and why, with the real set still listed
        Assert.True(backups.ExitCode == 0, backups.Stdout + backups.Stderr);
        Assert.Contains("Incomplete backup sets (no manifest.json: they restore nothing, and no rollback picks them):", backups.Stdout, StringComparison.Ordinal);
        Assert.Contains($"  {IncompleteId}    pem:{incomplete}: the run that made it stopped while copying files into it", backups.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("ID ", backups.Stdout, StringComparison.Ordinal);
        Assert.Contains($"\n{RealId}  ", backups.Stdout, StringComparison.Ordinal);
        // and the rollback refuses it, saying it is incomplete
        Assert.True(named.ExitCode == 1, named.Stdout + named.Stderr);
        Assert.Contains($"backup set '{IncompleteId}' is incomplete: pem:{incomplete} has no manifest.json", named.Stderr, StringComparison.Ordinal);

        // When rollback picks the newest set itself
        var rollback = Pemstate.Run(lab.Root, "rollback", "--auto-approve");

        // Then it is the real set, though the incomplete one is newer
        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
        Assert.Contains($"Rolled back to {RealId}.", rollback.Stdout, StringComparison.Ordinal);
    }

    private static void Write(string path, byte[] content)
    {
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
