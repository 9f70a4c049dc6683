using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Ssh;

/// <summary>Host keys are checked strictly: unknown and changed keys stop the host, nothing is trusted silently.</summary>
public sealed class SshHostKeyTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task An_unknown_host_key_is_refused_with_its_fingerprint_and_accept_new_adds_it()
    {
        // Given a host that known_hosts does not know
        var host = sshd.Start("newkey0");
        using var lab = SshLab.Create(sshd, [host], agents: 1, trust: false);
        var fingerprint = KnownHosts.Fingerprint(host.PublicKeyBlob);
        var before = lab.Fingerprint();

        // When planned without --accept-new-host-keys
        var error = await Assert.ThrowsAsync<HostOperationException>(() => lab.PlanAsync());

        // Then the host is named with the fingerprint and the line that trusts it, and nothing was written
        Assert.Equal("newkey0", error.Host);
        Assert.Contains(fingerprint, error.Message, StringComparison.Ordinal);
        Assert.Contains(host.KnownHostsLine, error.Message, StringComparison.Ordinal);
        Assert.Contains("--accept-new-host-keys", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, lab.Fingerprint());
        Assert.False(File.Exists(lab.KnownHostsPath));

        // When accepted as new
        var notices = new List<string>();
        var (_, result) = await lab.ApplyAsync(new SshOptions(AcceptNewHostKeys: true, Notice: n => { lock (notices) notices.Add(n); }));

        // Then the key is in known_hosts once, the user was told, and a strict run now succeeds
        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal([host.KnownHostsLine], File.ReadAllLines(lab.KnownHostsPath));
        Assert.Contains(notices, n => n.Contains(fingerprint, StringComparison.Ordinal));
        Assert.True((await lab.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task A_changed_host_key_is_refused_even_with_accept_new()
    {
        // Given a host known with one key that now presents another (re-installed, or an attacker)
        var host = sshd.Start("changed0");
        using var lab = SshLab.Create(sshd, [host], agents: 1);
        var old = KnownHosts.Fingerprint(host.PublicKeyBlob);
        host.RegenerateHostKey();
        var knownHosts = File.ReadAllText(lab.KnownHostsPath);

        // When planned, even with --accept-new-host-keys
        var error = await Assert.ThrowsAsync<HostOperationException>(() => lab.PlanAsync(new SshOptions(AcceptNewHostKeys: true)));

        // Then it is refused with both fingerprints, and known_hosts is untouched
        Assert.Equal("changed0", error.Host);
        Assert.Contains("HOST KEY CHANGED", error.Message, StringComparison.Ordinal);
        Assert.Contains(KnownHosts.Fingerprint(host.PublicKeyBlob), error.Message, StringComparison.Ordinal);
        Assert.Contains(old, error.Message, StringComparison.Ordinal);
        Assert.Equal(knownHosts, File.ReadAllText(lab.KnownHostsPath));
        Assert.False(Directory.Exists(lab.DataDir));
    }

    [Fact]
    public async Task Hashed_known_hosts_entries_are_recognised()
    {
        // Given known_hosts hashed by ssh-keygen -H (Debian's default HashKnownHosts yes)
        var host = sshd.Start("hashed0");
        using var lab = SshLab.Create(sshd, [host], agents: 1);
        var (exit, output) = SshdFixture.Run("ssh-keygen", "-H", "-f", lab.KnownHostsPath);
        Assert.True(exit == 0, output);
        Assert.StartsWith("|1|", File.ReadAllText(lab.KnownHostsPath), StringComparison.Ordinal);

        // When planned, Then the host is trusted
        Assert.NotEmpty((await lab.PlanAsync()).Steps);
    }

    [Fact]
    public async Task A_pinned_host_key_replaces_known_hosts_and_a_wrong_pin_is_refused()
    {
        // Given a host pinned by fingerprint in the inventory, and no known_hosts at all
        var host = sshd.Start("pinned0");
        var fingerprint = KnownHosts.Fingerprint(host.PublicKeyBlob);
        using var lab = SshLab.Create(sshd, [host], agents: 1, trust: false,
            hostLines: new Dictionary<string, string> { ["pinned0"] = $"host_key: \"{fingerprint}\"" });

        // When planned, Then the pin is enough
        Assert.NotEmpty((await lab.PlanAsync()).Steps);

        // Given another pin, When planned, Then refused with the fingerprint the server shows
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace(fingerprint, "SHA256:" + new string('A', 43), StringComparison.Ordinal));
        var error = await Assert.ThrowsAsync<HostOperationException>(() => lab.PlanAsync());
        Assert.Contains($"host_key: {fingerprint}", error.Message, StringComparison.Ordinal);
    }
}
