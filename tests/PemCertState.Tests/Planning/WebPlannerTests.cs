using Microsoft.Extensions.Logging.Abstractions;
using PemCertState.Crypto;
using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>The web resources in a lab: PEM's Apache VirtualHost next to another site, commands that only log.</summary>
[Trait("Category", "Unit")]
public sealed class WebPlannerTests
{
    private const string Config =
        "Listen 8443\n" +
        "<VirtualHost *:443>\n" +
        "    ServerName intranet.example.com\n" +
        "    SSLEngine on\n" +
        "    SSLCertificateFile /etc/ssl/intranet.crt\n" +
        "    SSLCertificateKeyFile /etc/ssl/intranet.key\n" +
        "</VirtualHost>\n" +
        "\n" +
        "# PEM\n" +
        "<VirtualHost *:8443>\n" +
        "    ServerName pem.example.com\n" +
        "    SSLEngine on\n" +
        "    SSLCertificateFile /usr/edb/pem/resources/server-pem.crt\n" +
        "</VirtualHost>\n";

    internal static Lab WebLab(string test = "echo test >> restarts.log", string extra = "")
    {
        var lab = Lab.Create(agents: 1);
        Directory.CreateDirectory(Path.Combine(lab.Root, "web"));
        File.WriteAllText(ConfigPath(lab), Config);
        File.AppendAllText(lab.InventoryPath, $"""
            web:
              host: pem
              config: web/edb-ssl-pem.conf
              certificate_file: web/resources/server-pem.crt
              key_file: web/resources/server-pem.key
              subject: /C=IN/O=EDB/CN=pem.example.com
              subject_alt_names: [pem.example.com, 127.0.0.1]
              key: {"{ algorithm: ecdsa, curve: p256 }"}
              test: {test}
              reload: echo reload >> restarts.log
            {extra}
            """);
        return lab;
    }

    internal static string ConfigPath(Lab lab) => Path.Combine(lab.Root, "web", "edb-ssl-pem.conf");

    [Fact]
    public async Task Plans_the_web_pair_the_directives_a_config_test_and_the_reload_after_the_server_files_and_before_the_agents()
    {
        // Given
        using var lab = WebLab();

        // When
        var plan = await lab.PlanAsync();

        // Then
        Assert.Equal(
            ["ca", "server.root_crt", "server.root_crl", "server.certificate", "server.settings",
             "web.certificate", "web.settings", "restart[web]",
             "agent[1].certificate", "agent[1].settings", "restart[agent 1]", "restart[server]"],
            plan.Resources.Texts());
        Assert.Equal([StepAction.TestConfig, StepAction.Restart], plan.Steps.Where(s => s.Address == Addresses.WebRestart).Select(s => s.Action));
        var issue = plan.Steps.OfType<IssueStep>().Single(s => s.Address == Addresses.WebCertificate).Request;
        Assert.Equal(LeafUsage.Server, issue.Usage);
        Assert.Equal(["pem.example.com", "127.0.0.1"], issue.SubjectAltNames);
        var web = PlanTextRenderer.Render(plan with { Steps = plan.Steps.Where(s => s.Address.ToString().Contains("web", StringComparison.Ordinal)).ToList() });
        Snapshot.Match(lab.Normalize(web));
    }

    [Fact]
    public async Task Apply_changes_only_PEMs_vhost_and_a_second_run_plans_nothing()
    {
        // Given
        using var lab = WebLab();

        // When
        var (_, result) = await lab.ApplyAsync();
        var again = await lab.PlanAsync();

        // Then the other site is byte-identical, the missing key directive sits inside PEM's block
        Assert.Empty(again.Steps);
        var key = Path.Combine(lab.Root, "web", "resources", "server-pem.key");
        var certificate = Path.Combine(lab.Root, "web", "resources", "server-pem.crt");
        Assert.Equal(Config
            .Replace("    SSLCertificateFile /usr/edb/pem/resources/server-pem.crt\n", $"    SSLCertificateFile {certificate}\n    SSLCertificateKeyFile {key}\n", StringComparison.Ordinal),
            File.ReadAllText(ConfigPath(lab)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        var served = PemCodec.DecodeCertificates(File.ReadAllBytes(certificate)).Single();
        Assert.Equal(["pem.example.com", "127.0.0.1"], SubjectAltNames.Of(served));
        Assert.True(SubjectAltNames.AllowsServerAuth(served));
        Assert.Equal("test\nreload\n", string.Concat(File.ReadAllLines(lab.RestartLog).Where(l => l is "test" or "reload").Select(l => l + "\n")));
        Assert.Contains(result.Completed, s => s.Address == Addresses.WebRestart && s.Action == StepAction.Restart);
    }

    [Fact]
    public async Task A_hand_edited_vhost_is_repaired_without_touching_its_neighbour_or_the_certificate()
    {
        // Given a converged lab where someone pointed PEM's vhost elsewhere
        using var lab = WebLab();
        await lab.ApplyAsync();
        var converged = File.ReadAllText(ConfigPath(lab));
        var key = Path.Combine(lab.Root, "web", "resources", "server-pem.key");
        File.WriteAllText(ConfigPath(lab), converged.Replace($"SSLCertificateKeyFile {key}", "SSLCertificateKeyFile /tmp/other.key", StringComparison.Ordinal));

        // When
        var plan = await lab.PlanAsync();
        await lab.ApplyAsync();

        // Then
        Snapshot.Match(lab.Normalize(PlanTextRenderer.Render(plan)));
        Assert.Equal(["web.settings", "restart[web]"], plan.Resources.Texts());
        Assert.Equal(converged, File.ReadAllText(ConfigPath(lab)));
    }

    [Fact]
    public async Task Other_names_in_the_inventory_reissue_the_web_certificate_only()
    {
        // Given
        using var lab = WebLab();
        await lab.ApplyAsync();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("[pem.example.com, 127.0.0.1]", "[pem.example.com, pem, 10.0.0.5]", StringComparison.Ordinal));

        // When
        var plan = await lab.PlanAsync();

        // Then
        Assert.Equal(["web.certificate", "restart[web]"], plan.Resources.Texts());
        Assert.Contains("its names are pem.example.com, 127.0.0.1, want pem.example.com, pem, 10.0.0.5", plan.Steps[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_config_test_stops_the_apply_before_the_reload_and_says_why()
    {
        // Given a test command that fails like apachectl -t does
        using var lab = WebLab(test: "'sh -c \"echo AH00526: Syntax error on line 13 >&2; exit 1\"'");

        // When
        var desired = lab.Desired;
        await using var hosts = new HostSet(desired);
        var observed = await new Observer(hosts).ObserveAsync(desired, CancellationToken.None);
        var plan = Planner.Create(desired, observed, Lab.Today);
        var result = await new Executor(hosts, NullLogger<Executor>.Instance, new FixedClock(Lab.Today))
            .ApplyAsync(desired, observed, plan, 2, null, CancellationToken.None);

        // Then
        Assert.False(result.Succeeded);
        Assert.Equal(StepAction.TestConfig, result.FailedStep!.Action);
        Assert.Contains("AH00526: Syntax error on line 13", result.Failure, StringComparison.Ordinal);
        Assert.Contains("was not reloaded", result.Failure, StringComparison.Ordinal);
        Assert.DoesNotContain("reload", File.Exists(lab.RestartLog) ? File.ReadAllText(lab.RestartLog) : "", StringComparison.Ordinal);
        Assert.DoesNotContain(result.Completed, s => s.Address.ToString().StartsWith("agent", StringComparison.Ordinal) || s.Address == Addresses.ServerRestart);
    }

    [Fact]
    public async Task A_config_where_PEMs_block_cannot_be_told_apart_plans_no_edit_and_warns()
    {
        // Given two SSL vhosts, neither named like the certificate
        using var lab = WebLab();
        File.WriteAllText(ConfigPath(lab), "<VirtualHost *:443>\n SSLEngine on\n</VirtualHost>\n<VirtualHost *:8443>\n SSLEngine on\n</VirtualHost>\n");

        // When
        var plan = await lab.PlanAsync();

        // Then
        Assert.DoesNotContain(plan.Steps, s => s.Address == Addresses.WebSettings);
        var warning = Assert.Single(plan.Warnings, w => w.StartsWith("web.config", StringComparison.Ordinal));
        Assert.Contains("set web.vhost", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_file_gets_the_CA_certificate_and_the_chain_directive()
    {
        // Given
        using var lab = WebLab(extra: "  chain_file: web/resources/chain.crt\n");

        // When
        await lab.ApplyAsync();

        // Then
        var chain = Path.Combine(lab.Root, "web", "resources", "chain.crt");
        Assert.Equal(File.ReadAllText(Path.Combine(lab.DataDir, "ca_certificate.crt")), File.ReadAllText(chain));
        Assert.Contains($"    SSLCertificateChainFile {chain}\n</VirtualHost>\n", File.ReadAllText(ConfigPath(lab)), StringComparison.Ordinal);
        Assert.Empty((await lab.PlanAsync()).Steps);
    }
}
