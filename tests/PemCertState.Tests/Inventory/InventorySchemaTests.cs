using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

[Trait("Category", "Unit")]
public sealed class InventorySchemaTests
{
    [Fact]
    public void Unknown_key_deep_inside_an_agent_is_found_by_the_schema()
    {
        // Given a typo inside the key of the second agent
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              defaults: { host: pem, config: "/etc/pem/{id}/agent.cfg" }
              list:
                - id: 1
                - id: 2
                  key:
                    algorithm: ecdsa
                    curv: p384
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then the schema's additionalProperties: false reports it at the key
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((12, 9, "unknown key 'curv' in agents.list[1].key; did you mean 'curve'?"), (diagnostic.Line, diagnostic.Column, diagnostic.Message));
    }

    [Fact]
    public void Unknown_key_close_to_a_known_one_suggests_it_from_the_schema_names_at_that_level()
    {
        // Given a key one letter short of agents.revoke_removed, and one that resembles nothing
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              revoke_remove: true
              colour: blue
              defaults: { host: pem, config: "/etc/pem/{id}/agent.cfg" }
              list:
                - id: 1
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then the near miss names the key meant, at its line and column; the other gets no guess
        var messages = result.Diagnostics.Select(d => (d.Line, d.Column, d.Message)).ToList();
        Assert.Contains((6, 3, "unknown key 'revoke_remove' in agents; did you mean 'revoke_removed'?"), messages);
        Assert.Contains((7, 3, "unknown key 'colour' in agents"), messages);
    }

    [Theory]
    [InlineData("revoke_remove", "revoke_removed")]
    [InlineData("rnew_before", "renew_before")]
    [InlineData("vaildity", "validity")]
    [InlineData("colour", null)]
    [InlineData("x", null)]
    public void Suggestions_accept_a_small_typo_and_nothing_further(string typed, string? expected)
    {
        // Given the keys of one level
        string[] known = ["renew_before", "revoke_removed", "validity", "key", "subject"];

        // When the closest is asked for
        var closest = NameSuggestions.Closest(typed, known);

        // Then only a near miss gets an answer
        Assert.Equal(expected, closest);
    }

    [Fact]
    public void Key_settings_of_the_other_algorithm_are_rejected()
    {
        // Given an ecdsa key with bits
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem, key: { algorithm: ecdsa, bits: 4096 } }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then the schema's conditional says what to use instead
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((4, 81, "server.key.bits: bits applies to rsa keys only; use curve with ecdsa"), (diagnostic.Line, diagnostic.Column, diagnostic.Message));
    }

    [Fact]
    public void Ssh_host_without_address_and_user_is_incomplete()
    {
        // Given an ssh host with only its transport
        var yaml = """
            version: 1
            hosts:
              pem: { transport: local }
              db-7: { transport: ssh }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then both required keys are named at the host
        Assert.Equal(
            ["4:3: hosts.db-7: missing required key 'address'", "4:3: hosts.db-7: missing required key 'user'"],
            result.Diagnostics.Select(d => $"{d.Line}:{d.Column}: {d.Message}"));
    }

    [Fact]
    public void The_embedded_schema_is_the_one_in_the_repository()
    {
        // Given the schema file users and editors see
        var onDisk = File.ReadAllText(Path.Combine(InventoryText.RepositoryRoot(), "schemas", "pemstate.schema.json"));

        // When the embedded copy the loader validates with is read
        using var stream = typeof(InventoryLoader).Assembly.GetManifestResourceStream("pemstate.schema.json")!;
        using var reader = new StreamReader(stream);

        // Then they are the same text
        Assert.Equal(onDisk, reader.ReadToEnd());
    }

    [Fact]
    public void Agent_id_must_be_a_positive_integer_that_fits_pem_agent_ids()
    {
        // Given agent ids of zero and beyond a 32-bit integer
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            agents:
              defaults: { host: pem }
              list: [ { id: 0 }, { id: 4294967296 } ]
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then both ids are reported by the schema at their values
        Assert.Equal(
            ["7:17: agents.list[0].id: 0 is below the minimum 1", "7:28: agents.list[1].id: 4294967296 is above the maximum 2147483647"],
            result.Diagnostics.Select(d => $"{d.Line}:{d.Column}: {d.Message}"));
    }
}
