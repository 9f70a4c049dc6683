using System.Net.Security;
using PemCertState.Application;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using PemCertState.Verification;
using Xunit;

namespace PemCertState.IntegrationTests.Web;

/// <summary>
/// pemstate against a real Apache httpd with mod_ssl: PEM's VirtualHost beside a neighbour site in one file,
/// the config test and a graceful reload from the inventory, and independent TLS clients (openssl s_client,
/// .NET SslStream) to see what httpd serves.
/// </summary>
public sealed class ApacheWebTests
{
    private static readonly TimeSpan ReloadWait = TimeSpan.FromSeconds(15);

    private static WebLab Lab(HttpdFixture httpd) =>
        new(httpd.Root, "apache", httpd.SiteConfig, httpd.TestCommand, httpd.ReloadCommand, httpd.Port, HttpdFixture.PemName);

    /// <summary>The text of the first VirtualHost block (the neighbour), to prove it never changes.</summary>
    private static string NeighbourBlock(HttpdFixture httpd)
    {
        var text = File.ReadAllText(httpd.SiteConfig);
        var start = text.IndexOf("<VirtualHost", StringComparison.Ordinal);
        return text[start..(text.IndexOf("</VirtualHost>", start, StringComparison.Ordinal) + "</VirtualHost>".Length)];
    }

    [Fact]
    public async Task Apply_reloads_httpd_which_then_serves_the_new_certificate_with_its_names_and_a_second_apply_plans_nothing()
    {
        // Given httpd serving PEM's self-signed installer certificate beside a neighbour site
        using var httpd = new HttpdFixture();
        var lab = Lab(httpd);
        var neighbour = NeighbourBlock(httpd);
        var neighbourServed = httpd.ServedCertificate(HttpdFixture.NeighbourName);

        // When
        var (plan, result, _) = await lab.ApplyAsync();

        // Then the apply ran the config test, then the reload, and httpd serves the new pair for PEM's name
        Assert.True(result.Succeeded, result.Failure + "\n" + httpd.Log());
        Assert.Equal([StepAction.TestConfig, StepAction.Restart], plan.Steps.Where(s => s.Address == Addresses.WebRestart).Select(s => s.Action));
        var onDisk = File.ReadAllText(lab.Certificate);
        var served = httpd.WaitForServed(HttpdFixture.PemName, onDisk, ReloadWait);
        Assert.Equal(onDisk.Trim(), served.Trim());

        // openssl, independently: the names, serverAuth, and the chain to pemstate's CA
        var text = Processes.Check("openssl", "x509", "-in", lab.Certificate, "-noout", "-text");
        Assert.Contains("DNS:pem.example.com, IP Address:127.0.0.1", text, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication", text, StringComparison.Ordinal);
        Assert.Contains(": OK", Processes.Check("openssl", "verify", "-CAfile", lab.CaCertificate, "-verify_hostname", HttpdFixture.PemName, lab.Certificate), StringComparison.Ordinal);

        // .NET's SslStream, as a browser would: trusting only the CA, matching the host name
        var (errors, subject) = await TlsHandshake.RunAsync(httpd.Port, HttpdFixture.PemName, lab.CaCertificate);
        Assert.Equal(SslPolicyErrors.None, errors);
        Assert.Equal("CN=pem.example.com, O=EDB, C=IN", subject);

        // The neighbour site: not one byte of its block changed, and it still serves its own certificate
        Assert.Equal(neighbour, NeighbourBlock(httpd));
        Assert.Equal(neighbourServed, httpd.ServedCertificate(HttpdFixture.NeighbourName));

        // verify --connect's web check agrees, and a second run plans nothing
        var (again, observed) = await lab.PlanAsync();
        Assert.Empty(again.Steps);
        var report = await WebTlsCheck.CheckAsync(lab.Desired.Web!, observed.Web!, observed.Server.Root.Certificates, CancellationToken.None);
        Assert.Empty(report.Findings);
        var (code, output) = Processes.Pemstate("verify", "-f", lab.InventoryPath, "--connect");
        Assert.True(code == 0, output);
        Assert.Contains($"web 127.0.0.1:{httpd.Port} (pem.example.com): ok: /C=IN/O=EDB/CN=pem.example.com", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_connect_reports_a_web_server_that_was_not_reloaded()
    {
        // Given new files on disk that httpd has not loaded (no reload command)
        using var httpd = new HttpdFixture();
        var lab = Lab(httpd);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace($"  reload: {httpd.ReloadCommand}\n", "", StringComparison.Ordinal));
        Assert.True((await lab.ApplyAsync()).Result.Succeeded);

        // When
        var (code, output) = Processes.Pemstate("verify", "-f", lab.InventoryPath, "--connect");

        // Then the installer's self-signed certificate is still served, and verify says so and what to do
        Assert.True(code == 2, output);
        Assert.Contains("not pem-web.crt on disk: reload the web server (web.reload)", output, StringComparison.Ordinal);
        Assert.Contains("does not verify against root.crt", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hand_edited_vhost_is_repaired_and_its_neighbour_stays_byte_identical()
    {
        // Given a converged httpd where someone pointed PEM's vhost back at the installer's certificate
        using var httpd = new HttpdFixture();
        var lab = Lab(httpd);
        Assert.True((await lab.ApplyAsync()).Result.Succeeded, httpd.Log());
        var converged = File.ReadAllText(httpd.SiteConfig);
        File.WriteAllText(httpd.SiteConfig, converged.Replace($"SSLCertificateFile {lab.Certificate}", $"SSLCertificateFile {httpd.InitialCertificate}", StringComparison.Ordinal)
            .Replace($"SSLCertificateKeyFile {lab.Key}", $"SSLCertificateKeyFile {httpd.InitialKey}", StringComparison.Ordinal));
        Processes.Check("/usr/sbin/apache2", "-f", httpd.MainConfig, "-k", "graceful");
        var initial = File.ReadAllText(httpd.InitialCertificate);
        Assert.Equal(initial.Trim(), httpd.WaitForServed(HttpdFixture.PemName, initial, ReloadWait).Trim());
        var neighbour = NeighbourBlock(httpd);

        // When
        var (plan, result, observed) = await lab.ApplyAsync();

        // Then only the settings changed, the file is the converged one again, and the live check sees it
        Assert.True(result.Succeeded, result.Failure + "\n" + httpd.Log());
        Assert.Equal(["web.settings", "restart[web]"], plan.Resources.Texts());
        Assert.Equal(converged, File.ReadAllText(httpd.SiteConfig));
        Assert.Equal(neighbour, NeighbourBlock(httpd));
        var onDisk = File.ReadAllText(lab.Certificate);
        Assert.Equal(onDisk.Trim(), httpd.WaitForServed(HttpdFixture.PemName, onDisk, ReloadWait).Trim());
        Assert.Empty((await lab.PlanAsync()).Plan.Steps);
    }

    [Fact]
    public async Task A_failing_config_test_stops_the_apply_before_the_reload_and_says_why()
    {
        // Given a config httpd's own test refuses (a typo outside PEM's block)
        using var httpd = new HttpdFixture();
        var lab = Lab(httpd);
        File.AppendAllText(httpd.MainConfig, "SSLProtocl all\n");
        var initial = File.ReadAllText(httpd.InitialCertificate);

        // When
        var (_, result, _) = await lab.ApplyAsync();

        // Then the apply stopped at the test with httpd's words, the reload never ran, and httpd serves what it served
        Assert.False(result.Succeeded);
        Assert.Equal(StepAction.TestConfig, result.FailedStep!.Action);
        Assert.Contains("Invalid command 'SSLProtocl'", result.Failure, StringComparison.Ordinal);
        Assert.Contains("not reloaded", result.Failure, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Completed, s => s.Address == Addresses.WebRestart);
        Thread.Sleep(1000);
        Assert.Equal(initial.Trim(), httpd.ServedCertificate(HttpdFixture.PemName).Trim());
    }
}
