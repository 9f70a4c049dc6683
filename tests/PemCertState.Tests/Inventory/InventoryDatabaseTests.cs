using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

[Trait("Category", "Unit")]
public sealed class InventoryDatabaseTests
{
    [Fact]
    public void Server_database_takes_its_defaults_and_keeps_only_the_password_variable_name()
    {
        // Given a server.database with host and user only
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server:
              host: pem
              data_dir: /data
              subject: /CN=pem
              database: { host: 127.0.0.1, user: enterprisedb, password_env: PEM_SERVER_PASSWORD }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then port and name take PostgreSQL's and PEM's defaults, and sslmode is verify-full: the password goes only to a verified server
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        Assert.Equal(new DatabaseSpec("127.0.0.1", 5432, "pem", "enterprisedb", "PEM_SERVER_PASSWORD", "verify-full"), result.State!.Server.Database);
        Assert.True(result.State.Server.Database!.Verifies);
    }

    [Fact]
    public void Discover_database_keeps_the_listed_agents_and_the_defaults_for_the_others()
    {
        // Given discovery from the database, one listed agent and a default host
        var yaml = """
            version: 1
            hosts: { pem: { transport: local }, db7: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server:
              host: pem
              data_dir: /data
              subject: /CN=pem
              database: { host: 127.0.0.1, port: 5444, user: postgres, sslmode: require }
            agents:
              discover: database
              defaults: { host: pem, cert_dir: "/agents/{id}/.pem", config: "/agents/{id}/agent.cfg" }
              list: [ { id: 7, host: db7 } ]
            """;

        // When it is loaded
        var state = InventoryText.Load(yaml).State!;

        // Then the source is the database and an unlisted id resolves through the defaults
        Assert.Equal(AgentSource.Database, state.Agents.Source);
        Assert.Equal("db7", Assert.Single(state.Agents.List).Host);
        var unlisted = state.Agents.Defaults!.For(12)!;
        Assert.Equal(("pem", "/agents/12/.pem", "/agents/12/agent.cfg"), (unlisted.Host, unlisted.CertDir, unlisted.Config));
    }

    [Fact]
    public void Discover_database_without_server_database_is_an_error()
    {
        // Given discovery from a database the inventory does not name
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: /data, subject: /CN=pem }
            agents:
              discover: database
            """;

        // When it is loaded / Then the problem is named where it is
        var result = InventoryText.Load(yaml);
        Assert.Equal(["6:13: agents.discover: database needs server.database to reach the PEM database"],
            result.Diagnostics.Select(d => $"{d.Line}:{d.Column}: {d.Message}"));
    }

    [Fact]
    public void A_password_in_the_database_section_is_an_unknown_key()
    {
        // Given a password written into the file, where secrets must never sit
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server:
              host: pem
              data_dir: /data
              subject: /CN=pem
              database: { host: 127.0.0.1, user: postgres, password: secret }
            """;

        // When it is loaded / Then it is refused
        var result = InventoryText.Load(yaml);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("unknown key 'password'", StringComparison.Ordinal));
    }

    [Fact]
    public void An_sslrootcert_that_cannot_be_read_is_named_where_it_is_written()
    {
        // Given sslrootcert naming a file that does not exist
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server:
              host: pem
              data_dir: /data
              subject: /CN=pem
              database: { host: pem.example.com, user: postgres, sslrootcert: /nowhere/db-ca.crt }
            """;

        // When it is loaded / Then validate already says so, at the value
        var result = InventoryText.Load(yaml);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((8, 67), (diagnostic.Line, diagnostic.Column));
        Assert.StartsWith("server.database.sslrootcert: cannot read /nowhere/db-ca.crt", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/var/run/postgresql", "verify-full", false, false)]
    [InlineData("127.0.0.1", "verify-full", true, false)]
    [InlineData("127.0.0.1", "verify-ca", true, false)]
    [InlineData("127.0.0.1", "require", false, true)]
    [InlineData("127.0.0.1", "prefer", false, true)]
    [InlineData("127.0.0.1", "disable", false, true)]
    public void A_unix_socket_needs_no_TLS_and_only_verify_modes_verify(string host, string sslmode, bool verifies, bool unverified)
    {
        // Given a database spec / When it is asked / Then
        var spec = new DatabaseSpec(host, 5432, "pem", "postgres", null, sslmode);
        Assert.Equal((verifies, unverified), (spec.Verifies, spec.Unverified));
    }

    [Theory]
    [InlineData("", true, null)]
    [InlineData("  reload: systemctl reload postgresql\n", true, "systemctl reload postgresql")]
    [InlineData("  reload: null\n", true, "none")]
    [InlineData("", false, "none")]
    [InlineData("  reload: pg_ctlcluster 15 main reload\n", false, "pg_ctlcluster 15 main reload")]
    public void Server_reload_defaults_to_pg_reload_conf_over_the_database_and_null_turns_it_off(string reload, bool database, string? command)
    {
        // Given a server with or without server.database, and server.reload absent, a command or null
        var yaml = "version: 1\nhosts: { pem: { transport: local } }\nca: { subject: /CN=pem-ca }\nserver:\n  host: pem\n  data_dir: /data\n  subject: /CN=pem\n"
            + reload + (database ? "  database: { host: 127.0.0.1, user: postgres }\n" : "");

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then the reload is the command, pg_reload_conf() over the database (no command), or none (restarts only)
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        var expected = command switch { "none" => null, null => new ServerReload(null), _ => new ServerReload(command) };
        Assert.Equal(expected, result.State!.Server.Reload);
    }
}
