using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Inventory;

/// <summary>
/// No path, name, subject or command in the inventory may hold a control character: a newline in cert_dir would add a
/// line to agent.cfg, one in a restart command a second command. Refused at load, with file:line:column, with the rest.
/// </summary>
public sealed class ControlCharacterTests
{
    private const string Rule = "paths, names, subjects and commands must be one line of printable text";
    private const string Hint = " (a YAML block scalar, | or >, keeps the final line break: write |- or >-, or put the value on the key's line)";

    private static string Located(Diagnostic d) => $"{d.Line}:{d.Column}: {d.Message}";

    [Fact]
    public void A_newline_in_an_agents_cert_dir_is_refused_at_its_value()
    {
        // Given an agent whose cert_dir smuggles a second line meant for agent.cfg
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              list:
                - { id: 1, host: pem, cert_dir: "/root/.pem\nagent_user=postgres" }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then it is refused where the value stands, naming the character without printing it
        Assert.Equal([$"7:37: agents.list[0].cert_dir: holds a line feed (U+000A) at character 11; {Rule}"], result.Diagnostics.Select(Located));
        Assert.Null(result.State);
        Assert.DoesNotContain(result.Diagnostics, d => d.Message.Contains('\n', StringComparison.Ordinal));
    }

    [Fact]
    public void Every_kind_of_setting_is_checked_and_all_are_reported_together_in_file_order()
    {
        // Given control characters of every kind in paths, names, addresses, subjects and commands, and an unrelated mistake
        var yaml = """
            version: 1
            hosts:
              pem: { transport: local }
              db7: { transport: ssh, address: "10.0.0.7\L", user: "root\0", identity_file: "~/.ssh/id\x7F" }
            ca: { subject: "/CN=pem-ca\r" }
            server:
              host: pem
              data_dir: "data\t"
              subject: /CN=pem
              backup_dir: "certs\N"
              restart: |
                systemctl restart postgresql
              database: { host: "127.0.0.1\P", user: "postgres\e" }
            agents:
              common_user: pem_agent_common_user
              subject: "/O=PEM\x01"
              defaults: { host: pem, config: "/etc/agent.cfg\n", owner: "root\n", restart: "systemctl restart pemagent\nrm -rf /" }
              list: [{ id: 1 }, { id: 1 }]
            web:
              host: pem
              config: "/etc/nginx/conf.d/edb-pem.conf\u2028"
              certificate_file: /pem.crt
              key_file: /pem.key
              subject: /CN=pem.example.com
              subject_alt_names: ["pem.example.com\n"]
            """;

        // When it is loaded
        var messages = InventoryText.Load(yaml).Diagnostics.Select(Located).ToList();

        // Then each is reported at its value, in file order, beside the duplicate id
        string[] expected =
        [
            $"4:35: hosts.db7.address: holds a line separator (U+2028) at character 9; {Rule}",
            $"4:55: hosts.db7.user: holds a NUL (U+0000) at character 5; {Rule}",
            $"4:80: hosts.db7.identity_file: holds the control character U+007F at character 10; {Rule}",
            $"5:16: ca.subject: holds a carriage return (U+000D) at character 11; {Rule}",
            $"8:13: server.data_dir: holds a tab (U+0009) at character 5; {Rule}",
            $"10:15: server.backup_dir: holds a next-line character (U+0085) at character 6; {Rule}",
            $"11:12: server.restart: holds a line feed (U+000A) at character 29; {Rule}{Hint}",
            $"13:21: server.database.host: holds a paragraph separator (U+2029) at character 10; {Rule}",
            $"13:42: server.database.user: holds an escape (U+001B) at character 9; {Rule}",
            $"16:12: agents.subject: holds the control character U+0001 at character 7; {Rule}",
            $"17:34: agents.defaults.config: holds a line feed (U+000A) at character 15; {Rule}{Hint}",
            $"17:61: agents.defaults.owner: holds a line feed (U+000A) at character 5; {Rule}{Hint}",
            $"17:80: agents.defaults.restart: holds a line feed (U+000A) at character 27; {Rule}",
            "18:27: agents.list[1].id: agent id 1 is declared twice (first at line 18)",
            $"21:11: web.config: holds a line separator (U+2028) at character 31; {Rule}",
            $"25:23: web.subject_alt_names[0]: holds a line feed (U+000A) at character 16; {Rule}{Hint}",
        ];
        foreach (var line in expected)
            Assert.Contains(line, messages);
        Assert.Equal(messages.OrderBy(m => int.Parse(m.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture)), messages);
    }

    [Fact]
    public void Trusted_ca_folders_with_a_newline_are_refused()
    {
        // Given a trusted CA whose request and signed folders hold line breaks
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { source: trusted, certificate: ca.crt, crl: none, requests_dir: "csr\n", signed_dir: "signed\r\n" }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded
        var messages = InventoryText.Load(yaml).Diagnostics.Select(Located).ToList();

        // Then both are reported (beside the missing ca.crt)
        Assert.Contains($"3:70: ca.requests_dir: holds a line feed (U+000A) at character 4; {Rule}{Hint}", messages);
        Assert.Contains($"3:91: ca.signed_dir: holds a carriage return (U+000D) at character 7; {Rule}", messages);
    }

    [Fact]
    public void An_inventory_in_a_folder_whose_name_holds_a_newline_is_refused()
    {
        // Given a valid inventory read from a folder with a line feed in its name (relative paths resolve against it)
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded
        var result = InventoryLoader.Parse(yaml, "/lab/in\nventory/pemstate.yaml");

        // Then the folder is named as the problem, at the top of the file
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal($"1:1: the inventory's folder holds a line feed (U+000A) at character 8, and relative paths resolve against it; {Rule}, so move the inventory",
            Located(diagnostic));
    }

    [Fact]
    public void A_discovered_agent_whose_defaults_give_a_path_with_a_newline_is_not_managed()
    {
        // Given defaults that bypassed the loader (built in code) with a line break in cert_dir, and discovery from pem.agent
        var loaded = InventoryText.Load("""
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem, database: { host: 127.0.0.1, user: postgres } }
            agents: { discover: database, defaults: { host: pem } }
            """).State!;
        var desired = loaded with
        {
            Agents = loaded.Agents with { Defaults = loaded.Agents.Defaults! with { CertDir = "/root/.pem{id}\nagent_user=postgres" } },
        };

        // When pem.agent says agent 4 is active
        var discovery = AgentDiscovery.Resolve(desired, [4]);

        // Then nothing is planned from it, and the error says which agent and which setting
        Assert.Null(discovery.Desired);
        Assert.Equal(["agent 4 (from agents.defaults): its cert_dir holds a line feed (U+000A) at character 12; it is not managed"], discovery.Errors);
    }

    [Fact]
    public void Apply_with_a_newline_in_cert_dir_exits_1_and_never_writes_agent_cfg()
    {
        // Given a lab whose agents' cert_dir carries an extra agent.cfg line
        using var lab = Lab.Create(agents: 1);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("cert_dir: agents/{id}/.pem", "cert_dir: \"agents/{id}/.pem\\nagent_user=postgres\"", StringComparison.Ordinal));

        // When the built pemstate validates, and applies
        var validate = Pemstate.Run(lab.Root, "validate");
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then both exit 1 naming file:line:column, and nothing was observed or written: no agent.cfg, no server files
        Assert.Equal(1, validate.ExitCode);
        Assert.Contains($"pemstate.yaml:23:15: agents.defaults.cert_dir: holds a line feed (U+000A) at character 17; {Rule}", validate.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("agents.defaults.cert_dir: holds a line feed", apply.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(lab.AgentConfig(1)));
        Assert.False(Directory.Exists(Path.Combine(lab.Root, "agents")));
        Assert.False(Directory.Exists(lab.DataDir));
    }
}
