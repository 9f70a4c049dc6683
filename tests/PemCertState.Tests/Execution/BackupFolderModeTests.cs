using PemCertState.Inventory;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>Backups hold keys: the folders that receive them are 0700 from the first one made (issue 18, item 11).</summary>
public sealed class BackupFolderModeTests
{
    [Fact]
    public async Task The_certs_folder_and_the_backup_set_in_it_are_created_0700()
    {
        // Given a converged lab whose agent lost its key, so the next apply backs up the certificate into a new certs folder
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var desired = lab.Desired;
        File.Delete(PemFiles.AgentKey(desired.Agents, desired.Agents.List[0]));
        var certs = Path.Combine(lab.CertDir(1), "certs");
        Assert.False(Directory.Exists(certs));

        // When applied
        var (_, result) = await lab.ApplyAsync();

        // Then certs and the set under it are private to their owner
        var set = Assert.Single(Directory.GetDirectories(certs));
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(Private, File.GetUnixFileMode(certs));
        Assert.Equal(Private, File.GetUnixFileMode(set));
        Assert.NotEmpty(result.BackupSets);
    }
}
