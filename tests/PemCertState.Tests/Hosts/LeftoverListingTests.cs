using PemCertState.Hosts;
using PemCertState.Tests.Crypto;
using Xunit;

namespace PemCertState.Tests.HostAccess;

/// <summary>
/// A folder an account fills with look-alike names is read within a bound (LeftoverEntry.MaxEntries), and both hosts keep
/// the same ones: the first in the folder's own order, then sorted. The SSH host's program used to sort first and then cut,
/// so past the bound the two reported different leftovers for the same folder.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LeftoverListingTests
{
    [Fact]
    public async Task Past_the_bound_the_local_host_and_the_ssh_hosts_program_report_the_same_leftovers()
    {
        // Given a folder with a key and 100 names like an older pemstate's temp files, and another whose folder of ours holds 100 files
        using var dir = new TempDirectory();
        var random = new Random(19);
        var crowded = Folder(dir.Path, "crowded");
        foreach (var i in Enumerable.Range(0, 100).OrderBy(_ => random.Next()))
            File.WriteAllText(Path.Combine(crowded, $"name{i:D3}.pemstate-tmp"), "");
        var full = Folder(dir.Path, "full");
        var own = Path.Combine(full, ".pemstate-0123");
        Directory.CreateDirectory(own);
        foreach (var i in Enumerable.Range(0, 100).OrderBy(_ => random.Next()))
            File.WriteAllText(Path.Combine(own, $"file{i:D3}"), "");

        foreach (var folder in new[] { crowded, full })
        {
            // When the local host and the program an SSH host runs read the key there
            var key = Path.Combine(folder, "agent.key");
            var local = (await new LocalHost("pem", "/").ReadAsync(key, CancellationToken.None)).Leftovers!;
            var remote = RemoteKeyOperationsTests.Run(new RemoteFileRequest("read", key))[0].Leftovers()!;

            // Then each reports at most the bound's worth, in name order, and the same names, down to what a folder of ours holds
            Assert.Equal(folder == crowded ? 64 : 1, local.Count);
            Assert.Equal(local.Select(l => l.Name).Order(StringComparer.Ordinal), local.Select(l => l.Name));
            Assert.Equal(local.Select(l => l.Name), remote.Select(l => l.Name));
            Assert.Equal(local.Select(l => l.Entries?.Count), remote.Select(l => l.Entries?.Count));
            Assert.Equal(local.SelectMany(l => l.Entries ?? []).Select(e => e.Name), remote.SelectMany(l => l.Entries ?? []).Select(e => e.Name));
        }
        Assert.Equal(65, (await new LocalHost("pem", "/").ReadAsync(Path.Combine(full, "agent.key"), CancellationToken.None)).Leftovers![0].Entries!.Count);
    }

    private static string Folder(string parent, string name)
    {
        var folder = Path.Combine(parent, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "agent.key"), "key\n");
        return folder;
    }
}
