using PemCertState.Configuration;
using Xunit;

namespace PemCertState.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class NginxConfTests
{
    private static readonly WebBlockSelector ByName = new(null, ["pem.example.com"]);

    private static readonly string[] Managed = [NginxConf.CertificateDirective, NginxConf.KeyDirective];

    private const string TwoServers =
        "# edb-pem.conf\n" +
        "server {\n" +
        "    listen 80;\n" +
        "    server_name pem.example.com;\n" +
        "    return 301 https://$host$request_uri; # to HTTPS\n" +
        "}\n" +
        "\n" +
        "server {\n" +
        "    listen 8443 ssl;\n" +
        "    server_name pem.example.com pem;\n" +
        "    ssl_certificate     \"/usr/edb/pem/resources/server-pem.crt\"; # PEM's\n" +
        "    # ssl_certificate_key /old/server-pem.key;\n" +
        "    location / {\n" +
        "        ssl_certificate /not/a/server/directive.crt;\n" +
        "        proxy_pass http://127.0.0.1:8080;\n" +
        "    }\n" +
        "}\n" +
        "server {\n" +
        "\tlisten 9443 ssl;\n" +
        "\tserver_name other.example.com;\n" +
        "\tssl_certificate /etc/ssl/other.crt;\n" +
        "\tssl_certificate_key /etc/ssl/other.key;\n" +
        "}\n";

    [Fact]
    public void Reads_the_server_block_named_like_the_certificate_that_listens_with_ssl()
    {
        // When
        var read = NginxConf.Read(TwoServers, ByName, Managed);

        // Then
        Assert.Null(read.Problem);
        Assert.Equal("server block at line 8 (listen 8443 ssl)", read.Block);
        Assert.Equal("/usr/edb/pem/resources/server-pem.crt", read.Settings[NginxConf.CertificateDirective]);
        Assert.Null(read.Settings[NginxConf.KeyDirective]);
    }

    [Fact]
    public void Changes_and_uncomments_only_in_PEMs_server_block_keeping_quotes_and_trailing_comments()
    {
        // When
        var edited = NginxConf.Edit(TwoServers, ByName,
        [
            KeyValuePair.Create(NginxConf.CertificateDirective, "/etc/pem/web.crt"),
            KeyValuePair.Create(NginxConf.KeyDirective, "/etc/pem/web.key"),
        ]);

        // Then
        var expected = TwoServers
            .Replace("    ssl_certificate     \"/usr/edb/pem/resources/server-pem.crt\"; # PEM's\n", "    ssl_certificate     \"/etc/pem/web.crt\"; # PEM's\n", StringComparison.Ordinal)
            .Replace("    # ssl_certificate_key /old/server-pem.key;\n", "    ssl_certificate_key /etc/pem/web.key;\n", StringComparison.Ordinal);
        Assert.Equal(expected, edited);
    }

    [Fact]
    public void Inserts_missing_directives_before_the_closing_brace_of_the_block()
    {
        // Given
        const string text =
            "http {\n" +
            "  server {\n" +
            "    listen 8443 ssl;\n" +
            "    location / { root /srv; }\n" +
            "  }\n" +
            "  server {\n" +
            "    listen 80;\n" +
            "  }\n" +
            "}\n";

        // When
        var edited = NginxConf.Edit(text, new WebBlockSelector("8443", []),
        [
            KeyValuePair.Create(NginxConf.CertificateDirective, "/etc/pem/web.crt"),
            KeyValuePair.Create(NginxConf.KeyDirective, "/etc/pem/web.key"),
        ]);

        // Then
        Assert.Equal(
            "http {\n" +
            "  server {\n" +
            "    listen 8443 ssl;\n" +
            "    location / { root /srv; }\n" +
            "    ssl_certificate /etc/pem/web.crt;\n" +
            "    ssl_certificate_key /etc/pem/web.key;\n" +
            "  }\n" +
            "  server {\n" +
            "    listen 80;\n" +
            "  }\n" +
            "}\n", edited);
    }

    [Fact]
    public void A_server_block_on_one_line_cannot_receive_a_directive_and_says_so()
    {
        // When
        var error = Assert.Throws<FormatException>(() => NginxConf.Edit("server { listen 443 ssl; }\n", ByName,
            [KeyValuePair.Create(NginxConf.CertificateDirective, "/x.crt")]));

        // Then
        Assert.Contains("opens and closes on one line", error.Message, StringComparison.Ordinal);
    }
}
