using System.Diagnostics;
using PemCertState.Crypto;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Tests.Crypto;
using Xunit;

namespace PemCertState.Tests.HostAccess;

/// <summary>The local host's key operations refuse what the remote file program refuses: a key with another name.</summary>
[Trait("Category", "Unit")]
public sealed class LocalKeyOperationsTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_key_with_another_name_is_neither_copied_nor_signed_with_nor_read_to_share()
    {
        // Given a key that also has another name (a hard link an account could have made to a root-only key)
        using var dir = new TempDirectory();
        await using var host = new LocalHost("local", dir.Path);
        var path = Path.Combine(dir.Path, "agent.key");
        var key = await host.GenerateKeyAsync(path, KeySpec.EcdsaP256, null, CancellationToken.None);
        using (var ln = Process.Start("ln", [path, Path.Combine(dir.Path, "other-name")])!) ln.WaitForExit();
        var copy = Path.Combine(dir.Path, "copy.key");

        // When pemstate copies it, signs with it, or reads it to share it, each is refused for its links
        var refusals = new[]
        {
            await Assert.ThrowsAsync<HostOperationException>(() => host.CopyAsync(path, key.Sha256, copy, Private, null, CancellationToken.None)),
            await Assert.ThrowsAsync<HostOperationException>(() => host.SignAsync(path, key.Sha256, new byte[] { 1 }, "sha256", CancellationToken.None)),
            await Assert.ThrowsAsync<HostOperationException>(() => host.ReadSharedKeyAsync(path, key.Sha256, CancellationToken.None)),
        };

        // Then nothing was written, and each says why
        Assert.All(refusals, r => Assert.Contains("hard links", r.Message, StringComparison.Ordinal));
        Assert.False(File.Exists(copy));

        // and once the other name is gone, the same copy goes through
        File.Delete(Path.Combine(dir.Path, "other-name"));
        await host.CopyAsync(path, key.Sha256, copy, Private, null, CancellationToken.None);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(copy));
        Assert.Equal(key.Sha256, Fingerprints.Sha256Hex(File.ReadAllBytes(copy)));
    }
}
