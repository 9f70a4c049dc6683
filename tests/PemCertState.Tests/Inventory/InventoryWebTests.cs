using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

[Trait("Category", "Unit")]
public sealed class InventoryWebTests
{
    private const string Head = """
        version: 1
        hosts: { pem: { transport: local } }
        ca: { subject: /CN=pem-ca, key: { algorithm: rsa, bits: 2048 } }
        server: { host: pem, data_dir: /data, subject: /CN=pem, validity: 200d }

        """;

    [Fact]
    public void A_web_section_resolves_paths_names_defaults_and_its_own_policy()
    {
        // Given
        var yaml = Head + """
            web:
              host: pem
              config: conf/edb-ssl-pem.conf
              certificate_file: /usr/edb/pem/resources/server-pem.crt
              key_file: /usr/edb/pem/resources/server-pem.key
              subject: /C=IN/O=EDB/CN=PEM.example.com
              subject_alt_names: [PEM.Example.com, pem, 10.0.0.5, "::0001", pem.example.com]
              key: { algorithm: ecdsa, curve: p256 }
              validity: 397d
              test: apachectl -t
              reload: systemctl reload httpd
              address: 127.0.0.1:8443
            """;

        // When
        var result = InventoryText.Load(yaml);

        // Then
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        var web = result.State!.Web!;
        Assert.Equal(WebServerKind.Apache, web.Server);
        Assert.Equal(WebIssuer.Managed, web.Issuer);
        Assert.Equal("/lab/inventory/conf/edb-ssl-pem.conf", web.Config);
        Assert.Equal("/usr/edb/pem/resources/certs", web.BackupDir);
        Assert.Equal(["pem.example.com", "pem", "10.0.0.5", "::1"], web.SubjectAltNames);
        Assert.Equal(new CertificatePolicy(KeySpec.EcdsaP256, TimeSpan.FromDays(397), TimeSpan.FromDays(30)), web.Policy);
        Assert.Null(web.ChainFile);
        Assert.Equal(("apachectl -t", "systemctl reload httpd", "127.0.0.1:8443"), (web.Test, web.Reload, web.Address));
    }

    [Fact]
    public void Without_subject_alt_names_the_CN_is_the_one_name()
    {
        // Given
        var yaml = Head + "web: { host: pem, server: nginx, config: /c, certificate_file: /w.crt, key_file: /w.key, subject: /O=EDB/CN=Pem.Example.com }\n";

        // When
        var web = InventoryText.Load(yaml).State!.Web!;

        // Then
        Assert.Equal(["pem.example.com"], web.SubjectAltNames);
        Assert.Equal(WebServerKind.Nginx, web.Server);
    }

    [Fact]
    public void Mistakes_in_the_web_section_are_reported_together_at_their_lines()
    {
        // Given
        var yaml = Head + """
            web:
              host: www
              server: caddy
              config: /c
              certificate_file: /w.crt
              key_file: /w.crt
              subject: /CN=pem
              subject_alt_names: ["not a name", 10.0.0.5]
              validity: 900d
              issuer: trusted
              address: pem
              colour: blue
            """;

        // When
        var messages = InventoryText.Load(yaml).Diagnostics.Select(d => $"{d.Line}: {d.Message}").ToList();

        // Then
        Assert.Contains("6: web.host: host 'www' is not declared in hosts (declared: pem)", messages);
        Assert.Contains("7: web.server: 'caddy' is not one of: apache, nginx", messages);
        Assert.Contains("10: web.key_file: must be another file than certificate_file", messages);
        Assert.Contains("12: web.subject_alt_names: 'not a name' is neither a DNS name nor an IP address", messages);
        Assert.Contains("13: web.validity: browsers on Apple platforms refuse TLS server certificates valid longer than 825d", messages);
        Assert.Contains("14: web.issuer: trusted needs ca.source: trusted, where the trusted CA's certificate, requests_dir and signed_dir are set; use issuer: managed", messages);
        Assert.Contains(messages, m => m.StartsWith("15: web.address: expected host:port", StringComparison.Ordinal));
        Assert.Contains("16: unknown key 'colour' in web", messages);
    }

    [Fact]
    public void A_chain_file_is_refused_for_nginx_which_reads_the_chain_from_the_certificate_file()
    {
        // Given
        var yaml = Head + "web: { host: pem, server: nginx, config: /c, certificate_file: /w.crt, key_file: /w.key, chain_file: /chain.crt, subject: /CN=pem }\n";

        // When
        var diagnostic = Assert.Single(InventoryText.Load(yaml).Diagnostics);

        // Then
        Assert.StartsWith("web.chain_file: NGINX has no chain directive", diagnostic.Message, StringComparison.Ordinal);
    }
}
