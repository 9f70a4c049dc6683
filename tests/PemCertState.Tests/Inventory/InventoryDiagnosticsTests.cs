using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

[Trait("Category", "Unit")]
public sealed class InventoryDiagnosticsTests
{
    private static string Located(Diagnostic d) => $"{d.Line}:{d.Column}: {d.Message}";

    private static void AssertDiagnostics(string yaml, params string[] expected)
    {
        var result = InventoryText.Load(yaml);
        Assert.Equal(expected, result.Diagnostics.Select(Located));
        Assert.All(result.Diagnostics, d => Assert.Equal(InventoryText.File, d.File));
        Assert.Null(result.State);
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Unknown_key_is_reported_at_the_key_itself()
    {
        // Given a ca section with a key the schema does not know
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca:
              subject: /CN=pem-ca
              colour: red
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded / Then the key's own position is reported
        AssertDiagnostics(yaml, "5:3: unknown key 'colour' in ca");
    }

    [Fact]
    public void Wrong_type_is_reported_at_the_value_with_a_hint_to_quote_it()
    {
        // Given a port written as a quoted string and a subject written as a number
        var yaml = """
            version: 1
            hosts:
              pem: { transport: local }
              db-7: { transport: ssh, address: 10.0.0.7, user: root, port: "22" }
            ca: { subject: 42 }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded / Then both values are reported where they stand
        AssertDiagnostics(yaml,
            "4:64: hosts.db-7.port: expected an integer, got '22'",
            "5:16: ca.subject: expected a string, got 42 (quote it, \"42\", if you meant the text)");
    }

    [Fact]
    public void Rsa_key_below_2048_bits_is_rejected_at_the_bits_value()
    {
        // Given a CA key of 1024 bits
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca:
              subject: /CN=pem-ca
              key: { algorithm: rsa, bits: 1024 }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded / Then the schema's minimum is reported in words
        AssertDiagnostics(yaml, "5:32: ca.key.bits: 1024 is below the minimum 2048");
    }

    [Fact]
    public void Rsa_key_size_that_is_not_whole_bytes_is_rejected_at_load_not_in_the_middle_of_an_apply()
    {
        // Given a CA key of 2049 bits (OpenSSL and the key generator take whole bytes only)
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca:
              subject: /CN=pem-ca
              key: { algorithm: rsa, bits: 2049 }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded / Then it is refused at the value, before anything is observed
        AssertDiagnostics(yaml, "5:32: ca.key.bits: 2049 should be a multiple of 8");
    }

    [Fact]
    public void Renew_before_not_shorter_than_validity_is_reported_at_renew_before()
    {
        // Given a server certificate that would be due for renewal the day it is issued
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server:
              host: pem
              data_dir: data
              subject: /CN=pem
              validity: 30d
              renew_before: 30d
            """;

        // When it is loaded / Then the renew_before value carries the diagnostic
        AssertDiagnostics(yaml, "9:17: server: renew_before 30d must be shorter than validity 30d");
    }

    [Fact]
    public void Renew_before_from_the_defaults_is_checked_against_an_agents_own_validity()
    {
        // Given agent defaults with a 60-day window and an agent valid for only 45 days
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              defaults: { host: pem, renew_before: 60d, config: "/etc/pem/{id}/agent.cfg" }
              list:
                - { id: 1 }
                - { id: 2, validity: 45d }
            """;

        // When it is loaded / Then the nearest renew_before (from defaults) is where it is reported
        AssertDiagnostics(yaml, "6:40: agent 2: renew_before 60d must be shorter than validity 45d");
    }

    [Fact]
    public void Bad_subject_is_reported_at_the_subject_value()
    {
        // Given a server subject with a three-letter country and a CA subject without the leading slash
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /C=IND/CN=pem }
            """;

        // When it is loaded / Then each subject value is reported with the reason
        AssertDiagnostics(yaml,
            "3:16: ca.subject: 'CN=pem-ca' must start with '/' (OpenSSL form, e.g. /C=IN/O=PEM/CN=pem-ca)",
            "4:47: server.subject: C=IND in '/C=IND/CN=pem' must be a two-letter country code");
    }

    [Fact]
    public void Agent_subject_prefix_with_a_cn_is_rejected()
    {
        // Given an agents.subject that tries to fix the CN
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              subject: /O=PEM/CN=agent
            """;

        // When it is loaded / Then the prefix is reported, because the CN is the agent's database user
        AssertDiagnostics(yaml, "6:12: agents.subject: must not contain CN; the CN is always the agent's database user");
    }

    [Fact]
    public void Duplicate_agent_id_is_reported_at_the_second_id()
    {
        // Given two agents with id 7
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              defaults: { host: pem, config: "/etc/pem/{id}/agent.cfg" }
              list:
                - id: 7
                - id: 8
                - id: 7
            """;

        // When it is loaded / Then the second 7 is reported and the first one is named
        AssertDiagnostics(yaml, "10:11: agents.list[2].id: agent id 7 is declared twice (first at line 8)");
    }

    [Fact]
    public void A_duplicate_agent_entry_still_has_its_other_errors_reported()
    {
        // Given a second agent 7 whose host is not declared either
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              defaults: { host: pem, config: "/etc/pem/{id}/agent.cfg" }
              list:
                - id: 7
                - { id: 7, host: db-9 }
            """;

        // When it is loaded / Then both are reported, not the duplicate alone
        AssertDiagnostics(yaml,
            "9:13: agents.list[1].id: agent id 7 is declared twice (first at line 8)",
            "9:22: agents.list[1].host: host 'db-9' is not declared in hosts (declared: pem)");
    }

    [Fact]
    public void A_tab_in_the_indentation_is_reported_at_its_line()
    {
        // Given a tab indenting line 4
        var yaml = "version: 1\nhosts:\n  pem: { transport: local }\n\tca: { subject: /CN=pem-ca }\n";

        // When it is loaded / Then the tab's line and column are given, not 1:1
        var result = InventoryText.Load(yaml);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((4, 1), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("tab", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Undeclared_host_is_reported_at_the_host_value()
    {
        // Given a server and an agent on hosts that are not in hosts
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem-server, data_dir: data, subject: /CN=pem }
            agents:
              list:
                - { id: 1, host: db-9 }
                - { id: 2 }
            """;

        // When it is loaded / Then each reference is reported, and the agent without any host too
        AssertDiagnostics(yaml,
            "4:17: server.host: host 'pem-server' is not declared in hosts (declared: pem)",
            "7:22: agents.list[0].host: host 'db-9' is not declared in hosts (declared: pem)",
            "8:7: agents.list[1]: agent 2 has no host; set host on the agent or in agents.defaults");
    }

    [Fact]
    public void Several_mistakes_are_all_reported_together_in_file_order()
    {
        // Given an inventory with schema errors (a trusted CA without its files among them) and rule errors
        var yaml = """
            version: 2
            hosts: { pem: { transport: local } }
            ca:
              source: trusted
              subject: /CN=pem-ca
              validity: 1y
            server: { host: nowhere, data_dir: data, subject: /CN=pem, colour: blue }
            agents:
              discover: database
              user: everyone
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then none stopped the others, and they come sorted by line and column
        Assert.Equal(
            [
                "1:10: version: must be 1, got 2",
                "3:1: ca: missing required key 'certificate'",
                "3:1: ca: missing required key 'crl'",
                "6:13: ca.validity: expected a duration like 365d, got '1y'",
                "7:17: server.host: host 'nowhere' is not declared in hosts (declared: pem)",
                "7:60: unknown key 'colour' in server",
                "9:13: agents.discover: database needs server.database to reach the PEM database",
                "10:9: agents.user: 'everyone' is not one of: per-agent, common",
            ],
            result.Diagnostics.Select(Located));
    }

    [Fact]
    public void Missing_required_keys_are_reported_at_the_section()
    {
        // Given a server section without data_dir and subject, and no ca at all
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            server:
              host: pem
            """;

        // When it is loaded / Then each missing key is named
        AssertDiagnostics(yaml,
            "1:1: missing required key 'ca'",
            "3:1: server: missing required key 'data_dir'",
            "3:1: server: missing required key 'subject'");
    }

    [Fact]
    public void Yaml_syntax_error_is_one_diagnostic_at_the_parsers_mark()
    {
        // Given a flow mapping that is never closed (the parser notices at the end of the file)
        var yaml = """
            version: 1
            hosts: { pem: { transport: local }
            ca: { subject: /CN=pem-ca }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then exactly one syntax diagnostic is reported, and no schema noise
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.StartsWith("YAML syntax error", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal((InventoryText.File, 3, 28), (diagnostic.File, diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void Badly_indented_key_is_a_syntax_error_at_its_line()
    {
        // Given a key indented less than its siblings' parent expects
        var yaml = """
            version: 1
            hosts:
              pem: { transport: local }
             ca: { subject: /CN=pem-ca }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then the parser's mark is reported
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((4, 2), (diagnostic.Line, diagnostic.Column));
        Assert.StartsWith("YAML syntax error: ", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_key_is_a_syntax_error()
    {
        // Given the same key twice in one mapping
        var yaml = """
            version: 1
            version: 1
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then it is reported once, on the second occurrence
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((2, 1, "YAML syntax error: Duplicate key version"), (diagnostic.Line, diagnostic.Column, diagnostic.Message));
    }

    [Fact]
    public void Empty_file_is_a_diagnostic()
    {
        // Given an empty inventory
        // When it is loaded
        var result = InventoryText.Load("");

        // Then it says so at 1:1
        Assert.Equal(["1:1: the inventory is empty"], result.Diagnostics.Select(Located));
    }
}
