using PemCertState.Configuration;
using Xunit;

namespace PemCertState.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class PostgresqlConfTests
{
    private static readonly HashSet<string> Quoted = ["ssl_cert_file", "ssl_key_file", "ssl_ca_file", "ssl_crl_file"];

    private const string Sample =
        "# PostgreSQL configuration file\n" +
        "listen_addresses = '*'\t\t# what IP address(es) to listen on;\n" +
        "\n" +
        "#ssl = off\n" +
        "ssl_cert_file = 'old.crt'\t\t# (change requires restart)\n" +
        "#ssl_crl_file = ''\n" +
        "shared_buffers = 128MB\n";

    [Fact]
    public void Reads_the_last_active_value_and_ignores_commented_lines()
    {
        // Given a file where ssl is only commented out and ssl_cert_file is set twice
        var text = Sample + "ssl_cert_file = 'new.crt'\n";

        // When
        var settings = PostgresqlConf.Read(text, ["ssl", "ssl_cert_file", "ssl_crl_file"]);

        // Then
        Assert.Null(settings["ssl"]);
        Assert.Equal("new.crt", settings["ssl_cert_file"]);
        Assert.Null(settings["ssl_crl_file"]);
    }

    [Fact]
    public void Replaces_in_place_uncomments_where_it_stands_and_keeps_every_other_byte()
    {
        // Given
        var edits = new[]
        {
            KeyValuePair.Create("ssl", "on"),
            KeyValuePair.Create("ssl_cert_file", "server.crt"),
            KeyValuePair.Create("ssl_crl_file", "root.crl"),
        };

        // When
        var edited = PostgresqlConf.Edit(Sample, edits, Quoted);

        // Then
        Assert.Equal(
            "# PostgreSQL configuration file\n" +
            "listen_addresses = '*'\t\t# what IP address(es) to listen on;\n" +
            "\n" +
            "ssl = on\n" +
            "ssl_cert_file = 'server.crt'\t\t# (change requires restart)\n" +
            "ssl_crl_file = 'root.crl'\n" +
            "shared_buffers = 128MB\n",
            edited);
    }

    [Fact]
    public void Appends_only_settings_that_appear_nowhere_and_keeps_crlf_endings()
    {
        // Given a Windows-edited file without a trailing newline
        var text = "port = 5444\r\nmax_connections = 100";

        // When
        var edited = PostgresqlConf.Edit(text, [KeyValuePair.Create("ssl_ca_file", "root.crt")], Quoted);

        // Then
        Assert.Equal("port = 5444\r\nmax_connections = 100\r\nssl_ca_file = 'root.crt'\r\n", edited);
    }

    [Fact]
    public void Editing_to_the_values_already_there_changes_nothing()
    {
        // Given
        var text = "ssl = on\nssl_ca_file = 'root.crt' # trusted CAs\n";

        // When
        var edited = PostgresqlConf.Edit(text, [KeyValuePair.Create("ssl", "on"), KeyValuePair.Create("ssl_ca_file", "root.crt")], Quoted);

        // Then
        Assert.Equal(text, edited);
    }
}
