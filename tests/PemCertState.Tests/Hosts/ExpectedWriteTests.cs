using System.Text;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Tests.Crypto;
using Xunit;

namespace PemCertState.Tests.HostAccess;

/// <summary>
/// A config edited from what pemstate last knew of it is written only over that very text (<see cref="FileChange.Write.Expected"/>):
/// by the remote file program an SSH host runs, and by the local host, a change of another hand is never written over.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ExpectedWriteTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void The_remote_program_writes_only_over_the_text_it_was_given_the_hash_of()
    {
        // Given a config on the "host"
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "agent.cfg");
        File.WriteAllText(path, "theirs=1\n");
        var seen = Fingerprints.Sha256Hex(Encoding.UTF8.GetBytes("theirs=1\n"));

        // When written expecting another text, expecting none, then expecting what is there
        var answers = RemoteKeyOperationsTests.Run(
            new RemoteFileRequest("write", path, Private, Content: "ours=1\n"u8.ToArray(), Sha256: new string('0', 64)),
            new RemoteFileRequest("write", path, Private, Content: "ours=2\n"u8.ToArray(), Sha256: ""));

        // Then both are refused as changed, and the file is untouched
        Assert.All(answers, a => Assert.Equal(("refused", "changed"), (a.Status, a.Text("reason"))));
        Assert.Equal("theirs=1\n", File.ReadAllText(path));

        // and the write over the text it saw goes through; a missing file expected missing is created
        var ok = RemoteKeyOperationsTests.Run(
            new RemoteFileRequest("write", path, Private, Content: "ours=3\n"u8.ToArray(), Sha256: seen),
            new RemoteFileRequest("write", path + ".new", Private, Content: "new=1\n"u8.ToArray(), Sha256: ""));
        Assert.All(ok, a => Assert.Equal("ok", a.Status));
        Assert.Equal("ours=3\n", File.ReadAllText(path));
        Assert.Equal("new=1\n", File.ReadAllText(path + ".new"));
    }

    [Fact]
    public async Task The_local_host_refuses_a_changed_config_and_makes_none_of_the_changes_after_it()
    {
        // Given a config that another hand rewrote after pemstate read it
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "agent.cfg");
        File.WriteAllText(path, "before=1\n");
        var seen = Fingerprints.Sha256Hex(Encoding.UTF8.GetBytes("before=1\n"));
        File.WriteAllText(path, "theirs=1\n");
        await using var host = new LocalHost("local", dir.Path);

        // When pemstate writes its edit over what it saw, then deletes a staged file
        var staged = Path.Combine(dir.Path, "agent1.key.next");
        File.WriteAllText(staged, "x");
        var refused = await Assert.ThrowsAsync<HostOperationException>(() => host.RunInOrderAsync(
            [new FileChange.Write(path, "ours=1\n"u8.ToArray(), Private, null, Expected: seen), new FileChange.Delete(staged)], CancellationToken.None));

        // Then the edit is refused as a change, their text stays, and the delete after it was not made
        Assert.Contains("changed since pemstate read it", refused.Message, StringComparison.Ordinal);
        Assert.Equal("theirs=1\n", File.ReadAllText(path));
        Assert.True(File.Exists(staged));
    }
}
