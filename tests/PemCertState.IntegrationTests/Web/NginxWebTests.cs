using System.Net.Security;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Web;

/// <summary>
/// pemstate against a real NGINX: PEM's server block beside a neighbour's in one file, the config test
/// (`nginx -t`) and the reload (`nginx -s reload`) from the inventory, and independent TLS clients (openssl
/// s_client, .NET SslStream) to see what nginx serves.
/// </summary>
public sealed class NginxWebTests
{
    private static readonly TimeSpan ReloadWait = TimeSpan.FromSeconds(15);

    private static WebLab Lab(NginxFixture nginx) =>
        new(nginx.Root, "nginx", nginx.SiteConfig, nginx.TestCommand, nginx.ReloadCommand, nginx.Port, NginxFixture.PemName);

    /// <summary>The text of the first server block (the neighbour), to prove it never changes.</summary>
    private static string NeighbourBlock(NginxFixture nginx)
    {
        var text = File.ReadAllText(nginx.SiteConfig);
        var start = text.IndexOf("server {", StringComparison.Ordinal);
        return text[start..(text.IndexOf("\n}", start, StringComparison.Ordinal) + 2)];
    }

    [Fact]
    public async Task Apply_reloads_nginx_which_then_serves_the_new_certificate_with_its_names_and_a_second_apply_plans_nothing()
    {
        // Given nginx serving PEM's self-signed installer certificate beside a neighbour site
        using var nginx = new NginxFixture();
        var lab = Lab(nginx);
        var neighbour = NeighbourBlock(nginx);
        var neighbourServed = nginx.ServedCertificate(NginxFixture.NeighbourName);

        // When
        var (plan, result, _) = await lab.ApplyAsync();

        // Then the apply edited PEM's block, ran nginx -t, then the reload, and nginx serves the new pair for PEM's name
        Assert.True(result.Succeeded, result.Failure + "\n" + nginx.Log());
        Assert.Equal([StepAction.TestConfig, StepAction.Restart], plan.Steps.Where(s => s.Address == Addresses.WebRestart).Select(s => s.Action));
        var config = File.ReadAllText(nginx.SiteConfig);
        Assert.Contains($"    ssl_certificate {lab.Certificate};\n    ssl_certificate_key {lab.Key};\n", config, StringComparison.Ordinal);
        var onDisk = File.ReadAllText(lab.Certificate);
        var served = nginx.WaitForServed(NginxFixture.PemName, onDisk, ReloadWait);
        Assert.Equal(onDisk.Trim(), served.Trim());

        // openssl, independently: the names, serverAuth, the chain to pemstate's CA, and s_client's own verdict
        var text = Processes.Check("openssl", "x509", "-in", lab.Certificate, "-noout", "-text");
        Assert.Contains("DNS:pem.example.com, IP Address:127.0.0.1", text, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication", text, StringComparison.Ordinal);
        var (code, said) = Processes.Run("sh", ["-c",
            $"openssl s_client -connect 127.0.0.1:{nginx.Port} -servername {NginxFixture.PemName} -CAfile {lab.CaCertificate} " +
            $"-verify_hostname {NginxFixture.PemName} -verify_return_error </dev/null"]);
        Assert.True(code == 0, said);
        Assert.Contains("Verify return code: 0 (ok)", said, StringComparison.Ordinal);

        // .NET's SslStream, as a browser would: trusting only the CA, matching the host name
        var (errors, subject) = await TlsHandshake.RunAsync(nginx.Port, NginxFixture.PemName, lab.CaCertificate);
        Assert.Equal(SslPolicyErrors.None, errors);
        Assert.Equal("CN=pem.example.com, O=EDB, C=IN", subject);

        // The neighbour block: not one byte changed, and it still serves its own certificate
        Assert.Equal(neighbour, NeighbourBlock(nginx));
        Assert.Equal(neighbourServed, nginx.ServedCertificate(NginxFixture.NeighbourName));

        // A second run plans nothing, and verify --connect agrees with what nginx serves
        Assert.Empty((await lab.PlanAsync()).Plan.Steps);
        var (verifyCode, output) = Processes.Pemstate("verify", "-f", lab.InventoryPath, "--connect");
        Assert.True(verifyCode == 0, output);
        Assert.Contains($"web 127.0.0.1:{nginx.Port} (pem.example.com): ok: /C=IN/O=EDB/CN=pem.example.com", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hand_edited_server_block_is_repaired_and_its_neighbour_stays_byte_identical()
    {
        // Given a converged nginx where someone pointed PEM's block back at the installer's certificate and reloaded
        using var nginx = new NginxFixture();
        var lab = Lab(nginx);
        Assert.True((await lab.ApplyAsync()).Result.Succeeded, nginx.Log());
        var converged = File.ReadAllText(nginx.SiteConfig);
        File.WriteAllText(nginx.SiteConfig, converged
            .Replace($"ssl_certificate {lab.Certificate};", $"ssl_certificate {nginx.InitialCertificate};", StringComparison.Ordinal)
            .Replace($"ssl_certificate_key {lab.Key};", $"# ssl_certificate_key {lab.Key};\n    ssl_certificate_key {nginx.InitialKey};", StringComparison.Ordinal));
        nginx.Signal("reload");
        var initial = File.ReadAllText(nginx.InitialCertificate);
        Assert.Equal(initial.Trim(), nginx.WaitForServed(NginxFixture.PemName, initial, ReloadWait).Trim());
        var neighbour = NeighbourBlock(nginx);

        // When
        var (plan, result, _) = await lab.ApplyAsync();

        // Then only the settings changed (the commented line stays a comment), nginx serves pemstate's pair again
        Assert.True(result.Succeeded, result.Failure + "\n" + nginx.Log());
        Assert.Equal(["web.settings", "restart[web]"], plan.Resources.Texts());
        var repaired = File.ReadAllText(nginx.SiteConfig);
        Assert.Contains($"    ssl_certificate {lab.Certificate};\n    # ssl_certificate_key {lab.Key};\n    ssl_certificate_key {lab.Key};\n", repaired, StringComparison.Ordinal);
        Assert.Equal(neighbour, NeighbourBlock(nginx));
        var onDisk = File.ReadAllText(lab.Certificate);
        Assert.Equal(onDisk.Trim(), nginx.WaitForServed(NginxFixture.PemName, onDisk, ReloadWait).Trim());
        Assert.Empty((await lab.PlanAsync()).Plan.Steps);
    }

    [Fact]
    public async Task A_failing_nginx_config_test_stops_the_apply_before_the_reload_and_says_why()
    {
        // Given a config nginx's own test refuses (a typo outside PEM's block)
        using var nginx = new NginxFixture();
        var lab = Lab(nginx);
        File.WriteAllText(nginx.MainConfig, File.ReadAllText(nginx.MainConfig).Replace("access_log off;", "access_log off;\n    ssl_protocolz TLSv1.2;", StringComparison.Ordinal));
        var initial = File.ReadAllText(nginx.InitialCertificate);

        // When
        var (_, result, _) = await lab.ApplyAsync();

        // Then the apply stopped at the test with nginx's words, the reload never ran, and nginx serves what it served
        Assert.False(result.Succeeded);
        Assert.Equal(StepAction.TestConfig, result.FailedStep!.Action);
        Assert.Contains("unknown directive \"ssl_protocolz\"", result.Failure, StringComparison.Ordinal);
        Assert.Contains("not reloaded", result.Failure, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Completed, s => s.Address == Addresses.WebRestart);
        Thread.Sleep(1000);
        Assert.Equal(initial.Trim(), nginx.ServedCertificate(NginxFixture.PemName).Trim());
    }
}
