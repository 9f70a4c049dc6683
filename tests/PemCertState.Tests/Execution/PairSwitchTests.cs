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
        Assert.Empty(Directory.EnumerateFiles(lab.CertDir(1), "*" + StagedFiles.Suffix));
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

    public static TheoryData<string> WebServers() => ["apache", "nginx"];

    [Theory]
    [MemberData(nameof(WebServers))]
    public async Task While_the_web_pair_is_replaced_the_web_config_never_names_a_key_and_certificate_that_do_not_belong_together(string server)
    {
        // Given a converged lab whose web server (Apache or NGINX) reads PEM's pair through PEM's block of its config
        using var lab = server == "apache" ? Planning.WebPlannerTests.WebLab() : NginxLab();
        await lab.ApplyAsync();
        var web = lab.Desired.Web!;
        var before = await File.ReadAllBytesAsync(web.Config);
        var seen = new List<string>();
        var operations = new List<string>();
        var host = new WatchedHost(new LocalHost("pem", lab.Root), (operation, path) =>
        {
            operations.Add($"{operation} {Path.GetFileName(path)}");
            seen.Add(NamedPairs.Describe(web.Config, NamedPairs.InWebConfig(web)));
        });

        // When a new web pair is installed
        var (key, certificate) = NewPair();
        await PairSwitch.InstallAsync(host, lab.Desired, Addresses.WebCertificate, web.KeyFile, web.CertificateFile, key, certificate, null, CancellationToken.None);

        // Then a reload at any instant found a pair that belongs together: the staged copies were written, the config pointed
        // at them, the live names replaced, the config given its bytes back and the staged copies deleted, in that order
        Assert.All(seen, s => Assert.Equal("matches", s));
        var (keyName, certificateName, configName) = (Path.GetFileName(web.KeyFile), Path.GetFileName(web.CertificateFile), Path.GetFileName(web.Config));
        Assert.Equal(
            [$"write {keyName}.next", $"write {certificateName}.next", $"write {configName}", $"write {keyName}", $"write {certificateName}",
             $"write {configName}", $"delete {keyName}.next", $"delete {certificateName}.next"],
            operations);
        Assert.Equal(before, await File.ReadAllBytesAsync(web.Config));
        Assert.Equal(certificate, await File.ReadAllTextAsync(web.CertificateFile));
        Assert.Equal(key, await File.ReadAllTextAsync(web.KeyFile));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(web.KeyFile)!, "*" + StagedFiles.Suffix));
    }

    /// <summary>PEM's NGINX server block beside a neighbour's, commands that only log.</summary>
    private static Lab NginxLab()
    {
        var lab = Lab.Create(agents: 1);
        Directory.CreateDirectory(Path.Combine(lab.Root, "web"));
        File.WriteAllText(Path.Combine(lab.Root, "web", "pem.conf"),
            "server {\n    listen 443 ssl;\n    server_name intranet.example.com;\n    ssl_certificate /etc/ssl/intranet.crt;\n    ssl_certificate_key /etc/ssl/intranet.key;\n}\n\n"
            + "server {\n    listen 8443 ssl;\n    server_name pem.example.com;\n    ssl_certificate /usr/edb/pem/resources/server-pem.crt;\n    ssl_certificate_key /usr/edb/pem/resources/server-pem.key;\n}\n");
        File.AppendAllText(lab.InventoryPath, """
            web:
              host: pem
              server: nginx
              config: web/pem.conf
              certificate_file: web/resources/server-pem.crt
              key_file: web/resources/server-pem.key
              subject: /C=IN/O=EDB/CN=pem.example.com
              subject_alt_names: [pem.example.com, 127.0.0.1]
              key: { algorithm: ecdsa, curve: p256 }
              test: echo test >> restarts.log
              reload: echo reload >> restarts.log

            """);
        return lab;
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
