using PemCertState.Hosts;
using Xunit;
using PemCertState.Inventory;

namespace PemCertState.Tests.HostAccess;

/// <summary>
/// The two file operations the apply lock rests on (issue 18, item 8): a file created whole or not at all, and a file
/// removed only while it still holds the bytes that were judged.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LocalHostLockFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pemstate-lockfile-").FullName;
    private readonly LocalHost _host = new("pem", "/");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task An_exclusive_create_puts_the_whole_file_in_place_once_and_leaves_no_private_folder()
    {
        // Given no file at the path
        var path = Path.Combine(_root, "apply.lock");

        // When it is created twice
        var first = await _host.TryCreateExclusiveAsync(path, "first holder\n"u8.ToArray(), FileModes.Private, CancellationToken.None);
        var second = await _host.TryCreateExclusiveAsync(path, "second holder\n"u8.ToArray(), FileModes.Private, CancellationToken.None);

        // Then the first has it, whole and private, with one name; the second is told it exists and changes nothing
        Assert.True(first);
        Assert.False(second);
        Assert.Equal("first holder\n", File.ReadAllText(path));
        Assert.Equal(FileModes.Private, File.GetUnixFileMode(path));
        Assert.Equal(["apply.lock"], Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_delete_of_unchanged_bytes_leaves_a_file_that_holds_others()
    {
        // Given a file whose bytes changed since they were read
        var path = Path.Combine(_root, "apply.lock");
        await File.WriteAllTextAsync(path, "the new holder\n");

        // When it is deleted as the old holder's
        var changed = await _host.TryDeleteUnchangedAsync(path, "the old holder\n"u8.ToArray(), CancellationToken.None);

        // Then it stays, with its bytes, and nothing else is left beside it
        Assert.False(changed);
        Assert.Equal("the new holder\n", await File.ReadAllTextAsync(path));
        Assert.Equal(["apply.lock"], Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName));

        // When it is deleted with the bytes it holds, then again
        var same = await _host.TryDeleteUnchangedAsync(path, "the new holder\n"u8.ToArray(), CancellationToken.None);
        var gone = await _host.TryDeleteUnchangedAsync(path, "the new holder\n"u8.ToArray(), CancellationToken.None);

        // Then it is removed once, and the folder is empty
        Assert.True(same);
        Assert.False(gone);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }
}
