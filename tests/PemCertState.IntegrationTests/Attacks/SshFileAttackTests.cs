using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using Xunit;

namespace PemCertState.IntegrationTests.Attacks;

/// <summary>
/// Issue 16's attacks 2, 4 and 7 over SSH, as root and as a sudo login: an account that owns an agent's folder plants
/// links, a FIFO, a link to /dev/zero, a linked folder or a hard link at a managed path. Every operation is refused with
/// the host and path named, and root's victim keeps its bytes, mode, owner and links.
/// </summary>
[Trait("Category", "Attack")]
public sealed class SshFileAttackTests(SshAttackFixture fixture) : IClassFixture<SshAttackFixture>
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task A_link_at_a_key_path_to_a_root_only_file_is_refused_for_read_chmod_chown_and_write(string login)
    {
        // Given the agent's key is a link, made by the folder's owner, to root's secret
        using var scene = new AttackScene(fixture.Attacker);
        var key = Path.Combine(scene.Agent, "agent1.key");
        File.CreateSymbolicLink(key, scene.Victim);
        fixture.Attacker.Own(key);
        var before = AttackScene.Fingerprint(scene.Victim);
        await using var host = fixture.Connect(login);

        // When pemstate reads it, sets its mode and owner, and writes it
        var errors = new[]
        {
            await Assert.ThrowsAsync<HostOperationException>(() => host.ReadAsync(key, default)),
            await Assert.ThrowsAsync<HostOperationException>(() => host.SetModeAsync(key, (UnixFileMode)Convert.ToInt32("644", 8), default)),
            await Assert.ThrowsAsync<HostOperationException>(() => host.SetOwnerAsync(key, fixture.Attacker.Name, default)),
            await Assert.ThrowsAsync<HostOperationException>(() => host.WriteAtomicAsync(key, "attacker's"u8.ToArray(), Private, fixture.Attacker.Name, default)),
        };

        // Then each error names the host, the path and the link, the victim is as it was, and the link is still a link
        Assert.All(errors, e => Assert.Contains($"{fixture.HostName}:{key}: is a symbolic link", e.Message, StringComparison.Ordinal));
        Assert.Equal(before, AttackScene.Fingerprint(scene.Victim));
        Assert.Equal(scene.Victim, new FileInfo(key).LinkTarget);
    }

    [Theory]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task A_fifo_at_a_key_path_is_refused_at_once_instead_of_hanging(string login)
    {
        // Given a FIFO where the agent's key should be, that nobody writes to
        using var scene = new AttackScene(fixture.Attacker);
        var key = Path.Combine(scene.Agent, "agent1.key");
        Assert.Equal(0, SshdFixture.Run("mkfifo", key).ExitCode);
        await using var host = fixture.Connect(login);

        // When pemstate reads it, and sets its mode
        var read = host.ReadAsync(key, default);
        var chmod = host.SetModeAsync(key, Private, default);
        var both = Task.WhenAll(read, chmod);
        var finished = await Task.WhenAny(both, Task.Delay(Bound));

        // Then both are refused, naming the FIFO, well before the bound
        Assert.Same(both, finished);
        var error = await Assert.ThrowsAsync<HostOperationException>(() => read);
        Assert.Contains($"{fixture.HostName}:{key}: is a FIFO", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HostOperationException>(() => chmod);
    }

    [Theory]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task A_link_to_dev_zero_is_refused_without_reading_it(string login)
    {
        // Given the agent's certificate is a link to /dev/zero
        using var scene = new AttackScene(fixture.Attacker);
        var crt = Path.Combine(scene.Agent, "agent1.crt");
        File.CreateSymbolicLink(crt, "/dev/zero");
        fixture.Attacker.Own(crt);
        await using var host = fixture.Connect(login);

        // When pemstate reads it
        var read = host.ReadAsync(crt, default);
        var finished = await Task.WhenAny(read, Task.Delay(Bound));

        // Then it is refused at once, by name, and nothing like an endless read came back
        Assert.Same(read, finished);
        var error = await Assert.ThrowsAsync<HostOperationException>(() => read);
        Assert.Contains($"{fixture.HostName}:{crt}: is a symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task A_linked_folder_in_the_attackers_folder_is_not_followed(string login)
    {
        // Given the agent's ".pem", made by the folder's owner, is a link to root's 0700 vault
        using var scene = new AttackScene(fixture.Attacker);
        var pem = Path.Combine(scene.Agent, ".pem");
        File.CreateSymbolicLink(pem, scene.Vault);
        fixture.Attacker.Own(pem);
        var before = AttackScene.Fingerprint(scene.Victim);
        await using var host = fixture.Connect(login);

        // When pemstate writes a key there, makes a backup folder there, reads, lists, and chmods there
        var write = await Assert.ThrowsAsync<HostOperationException>(() =>
            host.WriteAtomicAsync(Path.Combine(pem, "secret"), "attacker's"u8.ToArray(), Private, fixture.Attacker.Name, default));
        var mkdir = await Assert.ThrowsAsync<HostOperationException>(() =>
            host.EnsureDirectoryAsync(Path.Combine(pem, "certs", "1"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, default));
        var read = await Assert.ThrowsAsync<HostOperationException>(() => host.ReadAsync(Path.Combine(pem, "secret"), default));
        await Assert.ThrowsAsync<HostOperationException>(() => host.ListAsync(pem, default));
        await Assert.ThrowsAsync<HostOperationException>(() => host.SetModeAsync(Path.Combine(pem, "secret"), (UnixFileMode)Convert.ToInt32("644", 8), default));

        // Then nothing happened in the vault, and each error names the host, the path, the link and whose folder holds it
        Assert.Equal(before, AttackScene.Fingerprint(scene.Victim));
        Assert.Equal(["secret"], Directory.EnumerateFileSystemEntries(scene.Vault).Select(Path.GetFileName));
        foreach (var error in new[] { write, mkdir, read })
        {
            Assert.StartsWith($"{fixture.HostName}:{pem}/", error.Message, StringComparison.Ordinal);
            Assert.Contains($"{pem} is a symbolic link in a folder that {fixture.Attacker.Name} can change", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task A_hard_link_to_a_root_file_gets_neither_its_mode_nor_its_owner_changed(string login)
    {
        // Given the agent's key is a second name of root's secret
        using var scene = new AttackScene(fixture.Attacker);
        var key = Path.Combine(scene.Agent, "agent1.key");
        Assert.Equal(0, SshdFixture.Run("ln", scene.Victim, key).ExitCode);
        var before = AttackScene.Fingerprint(scene.Victim);
        await using var host = fixture.Connect(login);

        // When pemstate gives the key to the agent's account and makes it private
        var chown = await Assert.ThrowsAsync<HostOperationException>(() => host.SetOwnerAsync(key, fixture.Attacker.Name, default));
        var chmod = await Assert.ThrowsAsync<HostOperationException>(() => host.SetModeAsync(key, (UnixFileMode)Convert.ToInt32("777", 8), default));

        // Then both are refused, naming the hard links, and the secret is unchanged
        Assert.Contains($"{fixture.HostName}:{key}: has 2 hard links", chown.Message, StringComparison.Ordinal);
        Assert.Contains("hard links", chmod.Message, StringComparison.Ordinal);
        Assert.Equal(before, AttackScene.Fingerprint(scene.Victim));
    }

    [Theory]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task Removing_a_backup_folder_removes_the_links_in_it_not_their_targets(string login)
    {
        // Given a backup set in the attacker's folder holding a link to the secret and a link to the vault
        using var scene = new AttackScene(fixture.Attacker);
        var set = Path.Combine(scene.Agent, "certs", "20270101T000000Z");
        Directory.CreateDirectory(set);
        File.CreateSymbolicLink(Path.Combine(set, "agent1.key"), scene.Victim);
        File.CreateSymbolicLink(Path.Combine(set, "vault"), scene.Vault);
        var before = AttackScene.Fingerprint(scene.Victim);
        await using var host = fixture.Connect(login);

        // When pemstate prunes it, and deletes a key that is a link
        await host.DeleteDirectoryAsync(set, default);
        var key = Path.Combine(scene.Agent, "agent1.key");
        File.CreateSymbolicLink(key, scene.Victim);
        await host.DeleteAsync(key, default);

        // Then the set and the link are gone, and the vault and the secret are not
        Assert.False(Directory.Exists(set));
        Assert.False(File.Exists(key) || Directory.Exists(key));
        Assert.Equal(before, AttackScene.Fingerprint(scene.Victim));
        Assert.Equal(["secret"], Directory.EnumerateFileSystemEntries(scene.Vault).Select(Path.GetFileName));
    }

    /// <summary>
    /// Issue 18, item 7: what an interrupted write left is removed only while it is still pemstate's own (root's 0700 private
    /// folder holding only names pemstate writes there, with one link each), on descriptors; a look-alike in the attacker's
    /// folder (the attacker's own, a link to root's vault, a second name of root's secret) is refused and keeps everything.
    /// </summary>
    [Theory]
    [InlineData("local")]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task Only_a_leftover_that_is_still_pemstates_own_is_removed(string login)
    {
        // Given, in the attacker's folder, pemstate's private folder with a key in it and an older pemstate's temp file
        using var scene = new AttackScene(fixture.Attacker);
        var ours = PrivateFolder(scene.Agent);
        File.WriteAllText(Path.Combine(ours, "agent1.key"), "key");
        File.SetUnixFileMode(Path.Combine(ours, "agent1.key"), Private);
        var temp = Path.Combine(scene.Agent, $".agent1.key.{Hex()}.pemstate-tmp");
        File.WriteAllText(temp, "key");
        File.SetUnixFileMode(temp, Private);
        // and look-alikes: the attacker's own folder, a link to root's vault, and root's folder holding a second name of the secret
        var theirs = PrivateFolder(scene.Agent);
        File.WriteAllText(Path.Combine(theirs, "agent1.key"), "planted");
        fixture.Attacker.Own(Path.Combine(theirs, "agent1.key"));
        fixture.Attacker.Own(theirs);
        var link = Path.Combine(scene.Agent, $".pemstate-{Hex()}");
        File.CreateSymbolicLink(link, scene.Vault);
        fixture.Attacker.Own(link);
        var hard = PrivateFolder(scene.Agent);
        Assert.Equal(0, SshdFixture.Run("ln", scene.Victim, Path.Combine(hard, "agent1.crt")).ExitCode);
        var before = AttackScene.Fingerprint(scene.Victim);
        var proof = new LeftoverProof(LeftoverKind.Folder, new HashSet<string> { "agent1.key", "agent1.crt" }, new HashSet<string> { "root" });
        await using IHost host = login == "local" ? new LocalHost("attack0", "/") : fixture.Connect(login);

        // When pemstate reads a file there, which reports the leftovers beside it, and removes each
        var found = (await host.ReadAsync(Path.Combine(scene.Agent, "agent1.key"), default)).Leftovers!.ToDictionary(e => e.Name);
        await host.RemoveLeftoverAsync(ours, proof, default);
        await host.RemoveLeftoverAsync(temp, proof with { Kind = LeftoverKind.Regular }, default);
        var refused = new List<HostOperationException>();
        foreach (var path in new[] { theirs, link, hard })
            refused.Add(await Assert.ThrowsAsync<HostOperationException>(() => host.RemoveLeftoverAsync(path, proof, default)));

        // Then the read saw each as lstat does, looking only into folders of root's
        Assert.Equal(5, found.Count);
        Assert.Equal(new LeftoverEntry("agent1.key", LeftoverKind.Regular, Private, "root", true, 1),
            Assert.Single(found[Path.GetFileName(ours)].Entries!));
        Assert.Equal((LeftoverKind.Folder, true, (UnixFileMode)Convert.ToInt32("700", 8)), (found[Path.GetFileName(ours)].Kind, found[Path.GetFileName(ours)].Ours, found[Path.GetFileName(ours)].Mode));
        Assert.Equal((LeftoverKind.Folder, false, null), (found[Path.GetFileName(theirs)].Kind, found[Path.GetFileName(theirs)].Ours, found[Path.GetFileName(theirs)].Entries));
        Assert.Equal((LeftoverKind.Link, null), (found[Path.GetFileName(link)].Kind, found[Path.GetFileName(link)].Entries));
        // and pemstate's own are gone, each look-alike was refused saying why, and nothing of them, the vault or the secret changed
        Assert.False(Directory.Exists(ours));
        Assert.False(File.Exists(temp));
        Assert.Contains($"{fixture.HostName}:{theirs}: not removed: its owner is {fixture.Attacker.Name}", refused[0].Message, StringComparison.Ordinal);
        Assert.Contains($"{fixture.HostName}:{link}: not removed: it is a symbolic link", refused[1].Message, StringComparison.Ordinal);
        Assert.Contains($"{fixture.HostName}:{hard}: not removed: \"agent1.crt\": it has 2 hard links", refused[2].Message, StringComparison.Ordinal);
        Assert.Equal("planted", File.ReadAllText(Path.Combine(theirs, "agent1.key")));
        Assert.Equal(scene.Vault, new FileInfo(link).LinkTarget);
        Assert.True(File.Exists(Path.Combine(hard, "agent1.crt")));
        Assert.Equal(before, AttackScene.Fingerprint(scene.Victim));
        Assert.Equal(["secret"], Directory.EnumerateFileSystemEntries(scene.Vault).Select(Path.GetFileName));
    }

    private static string Hex() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>What a write killed before its rename leaves: root's folder, 0700.</summary>
    private static string PrivateFolder(string parent)
    {
        var folder = Path.Combine(parent, $".pemstate-{Hex()}");
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return folder;
    }

    /// <summary>
    /// StrictModes over SSH: a read reports, beside the file, every folder on its way that an account other than root can
    /// change, with that account, the same facts the local host gives; the planner judges them (StrictModesTests).
    /// </summary>
    [Theory]
    [InlineData("local")]
    [InlineData("root")]
    [InlineData("sudo")]
    public async Task A_read_names_the_folders_another_account_can_change(string login)
    {
        // Given an agent folder owned by the attacker, a root 0700 folder in it, and a key in that, and one missing key
        using var scene = new AttackScene(fixture.Attacker);
        var pem = Path.Combine(scene.Agent, ".pem");
        Directory.CreateDirectory(pem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var key = Path.Combine(pem, "agent1.key");
        File.WriteAllText(key, "key");
        await using IHost host = login == "local" ? new LocalHost("attack0", "/") : fixture.Connect(login);

        // When pemstate reads them
        var present = await host.ReadAsync(key, default);
        var missing = await host.ReadAsync(Path.Combine(pem, "agent2.key"), default);

        // Then both name exactly the attacker's folder, with its owner; the root folders on the way are not named
        foreach (var snapshot in new[] { present, missing })
        {
            var folder = Assert.Single(snapshot.WritableFolders);
            Assert.Equal(scene.Agent, folder.Path);
            Assert.Equal(fixture.Attacker.Name, folder.Owner);
            Assert.False(folder.WorldWritable);
        }
    }
}
