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

    [Fact]
    public void A_held_folder_is_known_by_its_inode_and_device_and_loses_its_links_when_removed()
    {
        // Given a folder held open, as a leftover folder is while it is listed
        using var dir = new TempDirectory();
        var path = Folder(dir.Path, "held");
        using var parent = Descriptors.OpenAt(null, dir.Path, Descriptors.ORdOnly | Descriptors.ODirectory);
        using var held = Descriptors.OpenAt(parent, "held", Descriptors.ORdOnly | Descriptors.ODirectory | Descriptors.ONoFollow);
        var status = Descriptors.Status(held);

        // Then it is the file stat(1) names, and its name refers to the same one
        var stat = Stat(path).Split(' ');
        Assert.Equal((ulong.Parse(stat[0], System.Globalization.CultureInfo.InvariantCulture), ulong.Parse(stat[1], System.Globalization.CultureInfo.InvariantCulture)),
            (status.Inode, MakeDev(status.Device)));
        Assert.True(Descriptors.StatusOfName(parent, "held")!.Value.SameFileAs(status));
        Assert.True(status.Links > 0);

        // When it is removed and another folder takes its name
        File.Delete(Path.Combine(path, "agent.key"));
        Directory.Delete(path);
        Directory.CreateDirectory(path);

        // Then the held one has no links left, and the name is another file's
        var after = Descriptors.Status(held);
        Assert.Equal(0u, after.Links);
        Assert.False(Descriptors.StatusOfName(parent, "held")!.Value.SameFileAs(after));
        Assert.Empty(Descriptors.Names(held, _ => true, 10));
    }

    /// <summary>stat(1)'s %d is the kernel's dev_t: major and minor packed as glibc's makedev does.</summary>
    private static ulong MakeDev(ulong device)
    {
        ulong major = device >> 32, minor = device & 0xFFFF_FFFF;
        return ((major & 0xFFF) << 8) | ((major & ~0xFFFUL) << 32) | (minor & 0xFF) | ((minor & ~0xFFUL) << 12);
    }

    /// <summary>stat(1)'s inode and device numbers for <paramref name="path"/>.</summary>
    private static string Stat(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("stat") { RedirectStandardOutput = true };
        foreach (var argument in new[] { "-c", "%i %d", path }) start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    private static string Folder(string parent, string name)
    {
        var folder = Path.Combine(parent, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "agent.key"), "key\n");
        return folder;
    }
}
