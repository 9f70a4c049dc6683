using System.Text;
using PemCertState.Configuration;
using PemCertState.Crypto;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Issue 20, item 4: a key and its certificate change together for any reader that finds them through their config. The host
/// below looks, after every single file operation of an install, at the pair the config names at that instant, as PostgreSQL
/// at a reload or an agent that starts would.
/// </summary>
[Trait("Category", "Unit")]
public sealed class PairSwitchTests
{
    [Fact]
    public async Task While_an_agent_pair_is_replaced_agent_cfg_never_names_a_key_and_certificate_that_do_not_belong_together()
    {
        // Given a converged lab: agent.cfg names agent1.key and agent1.crt
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var config = lab.AgentConfig(1);
        var before = await File.ReadAllBytesAsync(config);
        var seen = new List<string>();
        var host = new WatchingHost(new LocalHost("pem", lab.Root), () => seen.Add(NamedPair(config, AgentCfgPaths(config))));

        // When a new pair is installed
        var (key, certificate) = NewPair();
        await PairSwitch.InstallAsync(host, lab.Desired, Addresses.AgentCertificate(1),
            Path.Combine(lab.CertDir(1), "agent1.key"), Path.Combine(lab.CertDir(1), "agent1.crt"), key, certificate, null, CancellationToken.None);

        // Then after every operation the named pair belonged together (the old one, then the staged copy, then the new one
        // under EDB's names), agent.cfg ends byte for byte as it was, and the staged copy is gone
        Assert.All(seen, s => Assert.Equal("matches", s));
        Assert.True(seen.Count >= 6, $"only {seen.Count} operations");
        Assert.Equal(before, await File.ReadAllBytesAsync(config));
        Assert.Equal(certificate, await File.ReadAllTextAsync(Path.Combine(lab.CertDir(1), "agent1.crt")));
        Assert.Empty(Directory.EnumerateFiles(lab.CertDir(1), "*" + PairSwitch.Staged));
    }

    [Fact]
    public async Task While_the_server_pair_is_replaced_postgresql_conf_never_names_a_key_and_certificate_that_do_not_belong_together()
    {
        // Given a converged lab whose postgresql.conf leaves ssl_key_file to PostgreSQL's default (server.key)
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var conf = Path.Combine(lab.DataDir, "postgresql.conf");
        await File.WriteAllTextAsync(conf, (await File.ReadAllTextAsync(conf)).Replace("ssl_key_file", "#ssl_key_file", StringComparison.Ordinal));
        var before = await File.ReadAllBytesAsync(conf);
        var seen = new List<string>();
        var host = new WatchingHost(new LocalHost("pem", lab.Root), () => seen.Add(NamedPair(conf, ServerPaths(lab.DataDir, conf))));

        // When a new server pair is installed
        var (key, certificate) = NewPair();
        await PairSwitch.InstallAsync(host, lab.Desired, Addresses.ServerCertificate,
            Path.Combine(lab.DataDir, "server.key"), Path.Combine(lab.DataDir, "server.crt"), key, certificate, null, CancellationToken.None);

        // Then the pair PostgreSQL would load at any reload belonged together, and postgresql.conf is as it was
        Assert.All(seen, s => Assert.Equal("matches", s));
        Assert.Equal(before, await File.ReadAllBytesAsync(conf));
        Assert.Equal(certificate, await File.ReadAllTextAsync(Path.Combine(lab.DataDir, "server.crt")));
    }

    [Fact]
    public async Task A_config_that_names_other_files_is_left_alone()
    {
        // Given an agent.cfg that names another pair than the one being installed
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var config = lab.AgentConfig(1);
        await File.WriteAllTextAsync(config, "[PEM/agent]\nagent_ssl_key=/elsewhere/a.key\nagent_ssl_crt=/elsewhere/a.crt\n");
        var writes = 0;
        var host = new WatchingHost(new LocalHost("pem", lab.Root), () => writes++);

        // When a new pair is installed
        var (key, certificate) = NewPair();
        await PairSwitch.InstallAsync(host, lab.Desired, Addresses.AgentCertificate(1),
            Path.Combine(lab.CertDir(1), "agent1.key"), Path.Combine(lab.CertDir(1), "agent1.crt"), key, certificate, null, CancellationToken.None);

        // Then only the key and the certificate were written: nothing reads them through agent.cfg yet
        Assert.Equal(2, writes);
        Assert.Equal("[PEM/agent]\nagent_ssl_key=/elsewhere/a.key\nagent_ssl_crt=/elsewhere/a.crt\n", await File.ReadAllTextAsync(config));
    }

    private static (string Key, string Certificate) NewPair()
    {
        var ca = CertificateAuthority.CreateSelfSigned("/CN=test-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), Lab.Today, TimeSpan.FromDays(30));
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var certificate = ca.Issue("/CN=agent1", key.Public, LeafUsage.Client, Lab.Today, TimeSpan.FromDays(30));
        return (PemCodec.EncodePrivateKey(key.Private), PemCodec.EncodeCertificate(certificate));
    }

    private static (string Key, string Certificate) AgentCfgPaths(string config)
    {
        var settings = AgentCfg.Read(File.ReadAllText(config), ["agent_ssl_key", "agent_ssl_crt"]);
        var folder = Path.GetDirectoryName(config)!;
        return (Path.GetFullPath(settings["agent_ssl_key"]!, folder), Path.GetFullPath(settings["agent_ssl_crt"]!, folder));
    }

    private static (string Key, string Certificate) ServerPaths(string dataDir, string conf)
    {
        var settings = PostgresqlConf.Read(File.ReadAllText(conf), ["ssl_key_file", "ssl_cert_file"]);
        return (Path.GetFullPath(settings["ssl_key_file"] ?? "server.key", dataDir), Path.GetFullPath(settings["ssl_cert_file"] ?? "server.crt", dataDir));
    }

    /// <summary>"matches", or what is wrong with the pair the config names now.</summary>
    private static string NamedPair(string config, (string Key, string Certificate) named)
    {
        if (!File.Exists(named.Key) || !File.Exists(named.Certificate)) return $"{config} names {named.Key} / {named.Certificate}, which are not both there";
        var key = PemCodec.DecodePrivateKey(File.ReadAllBytes(named.Key))!;
        var certificate = PemCodec.DecodeCertificates(File.ReadAllBytes(named.Certificate))[0];
        return Fingerprints.PublicKey(key.Public) == Fingerprints.PublicKey(certificate.GetPublicKey())
            ? "matches" : $"{named.Key} does not belong to {named.Certificate}";
    }

    /// <summary>A local host that calls <c>after</c> once each write or delete has happened, the moment a reader could look.</summary>
    private sealed class WatchingHost(IHost inner, Action after) : IHost
    {
        public string Name => inner.Name;

        public Task<FileSnapshot> ReadAsync(string path, CancellationToken ct) => inner.ReadAsync(path, ct);

        public Task<FileSnapshot> ReadAsync(string path, long maxBytes, CancellationToken ct) => inner.ReadAsync(path, maxBytes, ct);

        public async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, string? owner, CancellationToken ct)
        {
            await inner.WriteAtomicAsync(path, content, mode, owner, ct);
            after();
        }

        public async Task DeleteAsync(string path, CancellationToken ct)
        {
            await inner.DeleteAsync(path, ct);
            after();
        }

        public Task<bool> TryDeleteUnchangedAsync(string path, ReadOnlyMemory<byte> expected, CancellationToken ct) => inner.TryDeleteUnchangedAsync(path, expected, ct);
        public Task RemoveLeftoverAsync(string path, LeftoverProof proof, CancellationToken ct) => inner.RemoveLeftoverAsync(path, proof, ct);
        public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken ct) => inner.SetModeAsync(path, mode, ct);
        public Task SetOwnerAsync(string path, string owner, CancellationToken ct) => inner.SetOwnerAsync(path, owner, ct);
        public Task EnsureDirectoryAsync(string path, UnixFileMode mode, CancellationToken ct) => inner.EnsureDirectoryAsync(path, mode, ct);
        public Task<bool> TryCreateExclusiveAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken ct) => inner.TryCreateExclusiveAsync(path, content, mode, ct);
        public Task AppendAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken ct) => inner.AppendAsync(path, content, mode, ct);
        public Task DeleteDirectoryAsync(string path, CancellationToken ct) => inner.DeleteDirectoryAsync(path, ct);
        public Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken ct) => inner.ListAsync(path, ct);
        public Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct) => inner.RunAsync(command, timeout, ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
