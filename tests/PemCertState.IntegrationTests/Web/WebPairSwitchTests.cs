using PemCertState.Inventory;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Planning;
using Xunit;
using WatchedHost = PemCertState.Tests.Support.WatchedHost;

namespace PemCertState.IntegrationTests.Web;

/// <summary>
/// Issue 20, item 4, for the web server: its key and certificate are switched through staged copies and PEM's block pointed
/// at them (<see cref="PairSwitch"/>), so that a reload at any instant loads a pair that belongs together, and the config
/// ends naming the live files as it did. Against the real NGINX and Apache httpd.
/// </summary>
public sealed class WebPairSwitchTests
{
    private static readonly TimeSpan ReloadWait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Nginx_accepts_its_config_after_every_single_write_of_a_web_pair_switch_and_serves_the_new_pair_after_it()
    {
        // Given nginx converged on pemstate's web pair
        using var nginx = new NginxFixture();
        var lab = new WebLab(nginx.Root, "nginx", nginx.SiteConfig, nginx.TestCommand, nginx.ReloadCommand, nginx.Port, NginxFixture.PemName);
        var (_, first, _) = await lab.ApplyAsync();
        Assert.True(first.Succeeded, first.Failure + "\n" + nginx.Log());
        var config = File.ReadAllBytes(nginx.SiteConfig);
        var (key, certificate) = ForeignPair(lab.Folder);

        // When a new pair is switched in, and `nginx -t` (which loads every certificate and key the config names) runs after
        // each of the switch's writes, as a reload at that instant would load them
        var tests = new List<string>();
        var host = new WatchedHost(new LocalHost("pem", lab.Folder), (operation, path) =>
        {
            var (code, said) = Processes.Run("sh", ["-c", nginx.TestCommand]);
            tests.Add(code == 0 ? "ok" : $"after {operation} {path}: {said}");
        });
        await PairSwitch.InstallAsync(host, lab.Desired, Addresses.WebCertificate, lab.Key, lab.Certificate, key, certificate, null, CancellationToken.None);

        // Then nginx accepted its config at every instant (no "key values mismatch"), the config is byte for byte what it
        // was (naming the live files), no staged copy is left, and after a reload nginx serves the new certificate
        Assert.All(tests, t => Assert.Equal("ok", t));
        Assert.Equal(8, tests.Count);
        Assert.Equal(config, File.ReadAllBytes(nginx.SiteConfig));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(lab.Key)!, "*" + StagedFiles.Suffix));
        nginx.Signal("reload");
        Assert.Equal(certificate.Trim(), nginx.WaitForServed(NginxFixture.PemName, certificate, ReloadWait).Trim());
    }

    [Fact]
    public async Task An_nginx_renewal_by_apply_switches_the_pair_and_leaves_the_config_naming_the_live_files()
    {
        using var nginx = new NginxFixture();
        await RenewalSwitchesThePair(new WebLab(nginx.Root, "nginx", nginx.SiteConfig, nginx.TestCommand, nginx.ReloadCommand, nginx.Port, NginxFixture.PemName),
            nginx.SiteConfig, nginx.Log, pem => nginx.WaitForServed(NginxFixture.PemName, pem, ReloadWait));
    }

    [Fact]
    public async Task An_apache_renewal_by_apply_switches_the_pair_and_leaves_the_config_naming_the_live_files()
    {
        using var httpd = new HttpdFixture();
        await RenewalSwitchesThePair(new WebLab(httpd.Root, "apache", httpd.SiteConfig, httpd.TestCommand, httpd.ReloadCommand, httpd.Port, HttpdFixture.PemName),
            httpd.SiteConfig, httpd.Log, pem => httpd.WaitForServed(HttpdFixture.PemName, pem, ReloadWait));
    }

    private static async Task RenewalSwitchesThePair(WebLab lab, string siteConfig, Func<string> log, Func<string, string> waitForServed)
    {
        // Given a web server converged on pemstate's pair, whose live files then got a pair from another CA (re-issued by the next apply)
        var (_, first, _) = await lab.ApplyAsync();
        Assert.True(first.Succeeded, first.Failure + "\n" + log());
        var config = File.ReadAllBytes(siteConfig);
        var (key, certificate) = ForeignPair(lab.Folder);
        File.WriteAllText(lab.Key, key);
        File.WriteAllText(lab.Certificate, certificate);

        // When pemstate applies
        var (plan, result, _) = await lab.ApplyAsync();

        // Then it installed a new web pair and reloaded; the config is byte for byte what it was, naming the live files;
        // no staged copy is left; the server serves the pair on disk, and nothing more is planned
        Assert.True(result.Succeeded, result.Failure + "\n" + log());
        Assert.Contains(plan.Steps, s => s.Address == Addresses.WebCertificate && s.Action == StepAction.Install);
        Assert.Equal(config, File.ReadAllBytes(siteConfig));
        var text = File.ReadAllText(siteConfig);
        Assert.Contains(lab.Key, text, StringComparison.Ordinal);
        Assert.Contains(lab.Certificate, text, StringComparison.Ordinal);
        Assert.DoesNotContain(StagedFiles.Suffix, text, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(lab.Key)!, "*" + StagedFiles.Suffix));
        var onDisk = File.ReadAllText(lab.Certificate);
        Assert.NotEqual(certificate, onDisk);
        Assert.Equal(onDisk.Trim(), waitForServed(onDisk).Trim());
        Assert.Empty((await lab.PlanAsync()).Plan.Steps);
    }

    /// <summary>
    /// A key and a self-signed certificate that pemstate's CA did not issue, made by openssl: RSA, as the lab's web key is
    /// (OpenSSL keeps a key of another type in a slot of its own, and would not see a mismatch).
    /// </summary>
    private static (string Key, string Certificate) ForeignPair(string folder)
    {
        var (key, certificate) = (Path.Combine(folder, "foreign.key"), Path.Combine(folder, "foreign.crt"));
        Processes.Check("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
            "-subj", "/CN=foreign.example.com", "-days", "30");
        var pair = (File.ReadAllText(key), File.ReadAllText(certificate));
        File.Delete(key);
        File.Delete(certificate);
        return pair;
    }
}
