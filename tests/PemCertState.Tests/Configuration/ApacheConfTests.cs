using PemCertState.Configuration;
using Xunit;

namespace PemCertState.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class ApacheConfTests
{
    private static readonly WebBlockSelector ByName = new(null, ["pem.example.com", "127.0.0.1"]);

    private static readonly string[] Managed = [ApacheConf.CertificateDirective, ApacheConf.KeyDirective, ApacheConf.ChainDirective];

    // Two sites in one file, CRLF line endings, a tab-indented neighbour and a comment inside PEM's block.
    private const string TwoSites =
        "# edb-ssl-pem.conf\r\n" +
        "Listen 8443\r\n" +
        "<VirtualHost *:443>\r\n" +
        "\tServerName intranet.example.com\r\n" +
        "\tSSLEngine on\r\n" +
        "\tSSLCertificateFile /etc/ssl/intranet.crt\r\n" +
        "\tSSLCertificateKeyFile /etc/ssl/intranet.key\r\n" +
        "</VirtualHost>\r\n" +
        "\r\n" +
        "<IfModule mod_ssl.c>\r\n" +
        "  <VirtualHost _default_:8443>\r\n" +
        "    ServerName pem.example.com:8443\r\n" +
        "    SSLEngine on\r\n" +
        "    # PEM's own certificate\r\n" +
        "    SSLCertificateFile \"/usr/edb/pem/resources/server-pem.crt\"\r\n" +
        "    SSLCertificateKeyFile /usr/edb/pem/resources/server-pem.key\r\n" +
        "    <Directory /usr/edb/pem/web>\r\n" +
        "      SSLCertificateFile /not/a/vhost/directive.crt\r\n" +
        "    </Directory>\r\n" +
        "  </VirtualHost>\r\n" +
        "</IfModule>\r\n";

    [Fact]
    public void Reads_the_directives_of_the_vhost_named_like_the_certificate_only()
    {
        // When
        var read = ApacheConf.Read(TwoSites, ByName, Managed);

        // Then
        Assert.Null(read.Problem);
        Assert.Equal("<VirtualHost _default_:8443> at line 11", read.Block);
        Assert.Equal("/usr/edb/pem/resources/server-pem.crt", read.Settings[ApacheConf.CertificateDirective]);
        Assert.Equal("/usr/edb/pem/resources/server-pem.key", read.Settings[ApacheConf.KeyDirective]);
        Assert.Null(read.Settings[ApacheConf.ChainDirective]);
    }

    [Fact]
    public void Changes_only_the_directive_lines_of_PEMs_vhost_keeping_quotes_indents_and_line_endings()
    {
        // When
        var edited = ApacheConf.Edit(TwoSites, ByName,
        [
            KeyValuePair.Create(ApacheConf.CertificateDirective, "/etc/pem/web.crt"),
            KeyValuePair.Create(ApacheConf.KeyDirective, "/etc/pem/web.key"),
        ]);

        // Then exactly two lines differ, and the neighbour and the nested Directory stay byte for byte
        var expected = TwoSites
            .Replace("    SSLCertificateFile \"/usr/edb/pem/resources/server-pem.crt\"\r\n", "    SSLCertificateFile \"/etc/pem/web.crt\"\r\n", StringComparison.Ordinal)
            .Replace("    SSLCertificateKeyFile /usr/edb/pem/resources/server-pem.key\r\n", "    SSLCertificateKeyFile /etc/pem/web.key\r\n", StringComparison.Ordinal);
        Assert.Equal(expected, edited);
    }

    [Fact]
    public void Inserts_missing_directives_inside_the_block_before_its_closing_tag()
    {
        // Given PEM's vhost without any certificate directive, followed by another vhost
        const string text =
            "<VirtualHost *:8443>\n" +
            "    ServerName pem.example.com\n" +
            "    SSLEngine on\n" +
            "</VirtualHost>\n" +
            "<VirtualHost *:80>\n" +
            "    ServerName other.example.com\n" +
            "</VirtualHost>\n";

        // When
        var edited = ApacheConf.Edit(text, ByName,
        [
            KeyValuePair.Create(ApacheConf.CertificateDirective, "/etc/pem/web.crt"),
            KeyValuePair.Create(ApacheConf.KeyDirective, "/etc/pem/web key.key"),
            KeyValuePair.Create(ApacheConf.ChainDirective, "/etc/pem/chain.crt"),
        ]);

        // Then they land inside PEM's block, in order, with its indentation; a path with a blank is quoted
        Assert.Equal(
            "<VirtualHost *:8443>\n" +
            "    ServerName pem.example.com\n" +
            "    SSLEngine on\n" +
            "    SSLCertificateFile /etc/pem/web.crt\n" +
            "    SSLCertificateKeyFile \"/etc/pem/web key.key\"\n" +
            "    SSLCertificateChainFile /etc/pem/chain.crt\n" +
            "</VirtualHost>\n" +
            "<VirtualHost *:80>\n" +
            "    ServerName other.example.com\n" +
            "</VirtualHost>\n", edited);
        Assert.Equal("/etc/pem/web key.key", ApacheConf.Read(edited, ByName, Managed).Settings[ApacheConf.KeyDirective]);
    }

    [Fact]
    public void A_commented_out_directive_is_uncommented_where_it_stands_and_is_not_read_as_set()
    {
        // Given
        const string text =
            "<VirtualHost *:8443>\n" +
            "  SSLEngine on\n" +
            "  SSLCertificateFile /a.crt\n" +
            "  SSLCertificateKeyFile /a.key\n" +
            "  #SSLCertificateChainFile /etc/apache2/ssl.crt/server-ca.crt\n" +
            "  # keep this note\n" +
            "</VirtualHost>\n";
        Assert.Null(ApacheConf.Read(text, ByName, Managed).Settings[ApacheConf.ChainDirective]);

        // When
        var edited = ApacheConf.Edit(text, ByName, [KeyValuePair.Create(ApacheConf.ChainDirective, "/etc/pem/chain.crt")]);

        // Then
        Assert.Equal(text.Replace("  #SSLCertificateChainFile /etc/apache2/ssl.crt/server-ca.crt\n", "  SSLCertificateChainFile /etc/pem/chain.crt\n", StringComparison.Ordinal), edited);
    }

    [Fact]
    public void Without_a_name_match_the_only_vhost_with_SSLEngine_on_is_PEMs()
    {
        // Given
        const string text =
            "<VirtualHost *:80>\n  Redirect / https://x/\n</VirtualHost>\n" +
            "<VirtualHost *:8443>\n  SSLEngine on\n  SSLCertificateFile /a.crt\n</VirtualHost>\n";

        // When
        var read = ApacheConf.Read(text, new WebBlockSelector(null, ["nothing.example"]), Managed);

        // Then
        Assert.Equal("<VirtualHost *:8443> at line 4", read.Block);
        Assert.Equal("/a.crt", read.Settings[ApacheConf.CertificateDirective]);
    }

    [Fact]
    public void Several_ssl_vhosts_without_a_name_match_are_a_problem_that_asks_for_vhost()
    {
        // Given
        const string text =
            "<VirtualHost *:443>\n  SSLEngine on\n</VirtualHost>\n" +
            "<VirtualHost *:8443>\n  SSLEngine on\n</VirtualHost>\n";

        // When
        var read = ApacheConf.Read(text, new WebBlockSelector(null, ["pem.example.com"]), Managed);
        var edit = Assert.Throws<FormatException>(() => ApacheConf.Edit(text, new WebBlockSelector(null, ["pem.example.com"]), [KeyValuePair.Create("SSLCertificateFile", "/x")]));

        // Then
        Assert.Null(read.Block);
        Assert.Contains("set web.vhost", read.Problem, StringComparison.Ordinal);
        Assert.Equal(read.Problem, edit.Message);
    }

    [Fact]
    public void The_vhost_selector_picks_a_block_by_its_address()
    {
        // Given
        const string text =
            "<VirtualHost *:443>\n  SSLEngine on\n  SSLCertificateFile /one.crt\n</VirtualHost>\n" +
            "<VirtualHost *:8443>\n  SSLEngine on\n  SSLCertificateFile /two.crt\n</VirtualHost>\n";

        // When
        var read = ApacheConf.Read(text, new WebBlockSelector("*:8443", []), Managed);
        var missing = ApacheConf.Read(text, new WebBlockSelector("*:9443", []), Managed);

        // Then
        Assert.Equal("/two.crt", read.Settings[ApacheConf.CertificateDirective]);
        Assert.StartsWith("no <VirtualHost> block has the address or server name '*:9443'", missing.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_without_a_vhost_is_a_problem()
    {
        // When
        var read = ApacheConf.Read("Listen 8443\nSSLCertificateFile /global.crt\n", ByName, Managed);

        // Then
        Assert.Equal("the file has no <VirtualHost> block", read.Problem);
    }
}
