using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Observation;
using PemCertState.Planning;
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

    private sealed class WebLab
    {
        public WebLab(HttpdFixture httpd)
        {
            Folder = Path.Combine(httpd.Root, "lab");
            Directory.CreateDirectory(Folder);
            File.WriteAllText(InventoryPath, $"""
                version: 1
                hosts:
                  pem: {"{ transport: local }"}
                ca:
                  subject: /C=IN/O=PEM/CN=pem-ca
                  key: {"{ algorithm: ecdsa, curve: p256 }"}
                server:
                  host: pem
                  data_dir: {Folder}/data
                  subject: /C=IN/O=EDB/CN=localhost
                  key: {"{ algorithm: ecdsa, curve: p256 }"}
                  restart: "true"
                web:
                  host: pem
                  server: apache
                  config: {httpd.SiteConfig}
                  certificate_file: {Folder}/web/pem-web.crt
                  key_file: {Folder}/web/pem-web.key
                  subject: /C=IN/O=EDB/CN={HttpdFixture.PemName}
                  subject_alt_names: [{HttpdFixture.PemName}, 127.0.0.1]
                  key: {"{ algorithm: rsa, bits: 2048 }"}
                  test: {httpd.TestCommand}
                  reload: {httpd.ReloadCommand}
                  address: 127.0.0.1:{httpd.Port}
                """);
        }

        public string Folder { get; }
        public string InventoryPath => Path.Combine(Folder, "pemstate.yaml");
        public string Certificate => Path.Combine(Folder, "web", "pem-web.crt");
        public string CaCertificate => Path.Combine(Folder, "data", "ca_certificate.crt");

        public DesiredState Desired
        {
            get
            {
                var result = InventoryLoader.Load(InventoryPath);
                Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
                return result.State!;
            }
        }

        public async Task<(Plan Plan, ApplyResult Result, ObservedState Observed)> ApplyAsync()
        {
            var desired = Desired;
            await using var hosts = new HostSet(desired);
            var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
            var plan = Planner.Create(desired, observed, DateTimeOffset.UtcNow);
            var result = await new Executor(hosts, NullLogger<Executor>.Instance, TimeProvider.System)
                .ApplyAsync(desired, observed, plan, 2, null, CancellationToken.None);
            return (plan, result, observed);
        }

        public async Task<(Plan Plan, ObservedState Observed)> PlanAsync()
        {
            var desired = Desired;
            await using var hosts = new HostSet(desired);
            var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
            return (Planner.Create(desired, observed, DateTimeOffset.UtcNow), observed);
        }
    }

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
        var lab = new WebLab(httpd);
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
        var (errors, subject) = await HandshakeAsync(httpd.Port, HttpdFixture.PemName, lab.CaCertificate);
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
        var lab = new WebLab(httpd);
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
        var lab = new WebLab(httpd);
        Assert.True((await lab.ApplyAsync()).Result.Succeeded, httpd.Log());
        var converged = File.ReadAllText(httpd.SiteConfig);
        File.WriteAllText(httpd.SiteConfig, converged.Replace($"SSLCertificateFile {lab.Certificate}", $"SSLCertificateFile {httpd.InitialCertificate}", StringComparison.Ordinal)
            .Replace($"SSLCertificateKeyFile {Path.Combine(lab.Folder, "web", "pem-web.key")}", $"SSLCertificateKeyFile {httpd.InitialKey}", StringComparison.Ordinal));
        Processes.Check("/usr/sbin/apache2", "-f", httpd.MainConfig, "-k", "graceful");
        var initial = File.ReadAllText(httpd.InitialCertificate);
        Assert.Equal(initial.Trim(), httpd.WaitForServed(HttpdFixture.PemName, initial, ReloadWait).Trim());
        var neighbour = NeighbourBlock(httpd);

        // When
        var (plan, result, observed) = await lab.ApplyAsync();

        // Then only the settings changed, the file is the converged one again, and the live check sees it
        Assert.True(result.Succeeded, result.Failure + "\n" + httpd.Log());
        Assert.Equal(["web.settings", "restart[web]"], plan.Resources);
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
        var lab = new WebLab(httpd);
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

    /// <summary>A TLS handshake trusting only <paramref name="caFile"/>; returns the policy errors .NET found and the subject served.</summary>
    private static async Task<(SslPolicyErrors Errors, string Subject)> HandshakeAsync(int port, string serverName, string caFile)
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        var errors = SslPolicyErrors.None;
        var subject = "";
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { ca },
                RevocationMode = X509RevocationMode.NoCheck,
            },
            RemoteCertificateValidationCallback = (_, certificate, _, policyErrors) =>
            {
                errors = policyErrors;
                subject = certificate?.Subject ?? "";
                return true;
            },
        });
        return (errors, subject);
    }
}
