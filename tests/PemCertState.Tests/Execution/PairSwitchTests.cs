using System.Text;
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
        var host = new WatchedHost(new LocalHost("pem", lab.Root), (_, _) => seen.Add(NamedPairs.Describe(config, NamedPairs.InAgentCfg(config))));

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
        var host = new WatchedHost(new LocalHost("pem", lab.Root), (_, _) => seen.Add(NamedPairs.Describe(conf, NamedPairs.InPostgresqlConf(lab.DataDir, conf))));

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
        var host = new WatchedHost(new LocalHost("pem", lab.Root), (_, _) => writes++);

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
}
