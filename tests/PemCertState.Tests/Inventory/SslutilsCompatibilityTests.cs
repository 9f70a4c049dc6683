using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

/// <summary>A self-signed CA must have a key PEM's sslutils can read (RSA), unless the inventory says nothing of PEM's signs with it.</summary>
[Trait("Category", "Unit")]
public sealed class SslutilsCompatibilityTests
{
    private static string Located(Diagnostic d) => $"{d.Line}:{d.Column}: {d.Message}";

    private const string Why =
        "ca.key: PEM's sslutils extension reads ca_key.key with PEM_read_RSAPrivateKey, so an ECDSA CA key breaks agent " +
        "registration and PEM's CA renewal job; use { algorithm: rsa, bits: 4096 }, or set ca.sslutils_compatible: false " +
        "if nothing of PEM's will ever sign with this CA (server, agent and web keys may stay ECDSA)";

    [Fact]
    public void An_ecdsa_self_signed_ca_is_refused_at_its_algorithm_with_the_reason()
    {
        // Given a self-signed CA with an ECDSA key, and ECDSA leaves
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca:
              subject: /CN=pem-ca
              key: { algorithm: ecdsa, curve: p256 }
            server: { host: pem, data_dir: data, subject: /CN=pem, key: { algorithm: ecdsa } }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then only the CA key is refused, at its algorithm, saying why and what to write instead
        Assert.Equal([$"5:21: {Why}"], result.Diagnostics.Select(Located));
        Assert.Null(result.State);
    }

    [Fact]
    public void An_ecdsa_ca_is_accepted_when_the_inventory_opts_out_of_sslutils_compatibility()
    {
        // Given the same CA with sslutils_compatible: false
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca:
              subject: /CN=pem-ca
              key: { algorithm: ecdsa, curve: p384 }
              sslutils_compatible: false
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then it is valid and the CA key stays ECDSA P-384
        Assert.Empty(result.Diagnostics);
        Assert.Equal(KeySpec.EcdsaP384, result.State!.Ca.Policy.Key);
    }

    [Fact]
    public void Sslutils_compatible_true_still_refuses_an_ecdsa_ca()
    {
        // Given an ECDSA CA with the setting written out as its default
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca, sslutils_compatible: true, key: { algorithm: ecdsa } }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded / Then the CA key is refused
        Assert.Equal([$"3:73: {Why}"], InventoryText.Load(yaml).Diagnostics.Select(Located));
    }

    [Fact]
    public void The_ca_key_is_rsa_4096_by_default()
    {
        // Given a CA without a key setting
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded / Then the CA gets the key PEM's own sslutils would make
        Assert.Equal(KeySpec.Rsa(4096), InventoryText.Load(yaml).State!.Ca.Policy.Key);
    }

    [Fact]
    public void Sslutils_compatible_with_a_trusted_ca_is_reported_as_unused()
    {
        // Given a trusted CA (its key never reaches PEM) with the setting
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { source: trusted, certificate: ca.crt, crl: none, sslutils_compatible: false }
            server: { host: pem, data_dir: data, subject: /CN=pem }
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then the setting is named as having no effect there
        Assert.Contains("3:77: ca.sslutils_compatible: only used with ca.source: self-signed; a trusted CA's key never reaches PEM",
            result.Diagnostics.Select(Located));
    }
}
