using PemCertState.Crypto;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Crypto;

public sealed class CertificateAuthorityTests
{
    public static TheoryData<string> KeyKinds => ["rsa2048", "p256"];

    private static KeySpec Spec(string kind) => kind switch
    {
        "rsa2048" => KeySpec.Rsa(2048),
        "p256" => KeySpec.EcdsaP256,
        "p384" => KeySpec.EcdsaP384,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(KeyKinds))]
    public void Openssl_verifies_a_server_leaf_and_an_agent_leaf_against_the_ca_and_its_crl(string kind)
    {
        // Given a self-signed CA, a server and an agent certificate, and a CRL, written as files
        using var dir = new TempDirectory();
        var now = DateTimeOffset.UtcNow;
        var caKey = KeyGenerator.Generate(Spec(kind));
        var ca = CertificateAuthority.CreateSelfSigned("/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca", caKey, now, TimeSpan.FromDays(3650));
        var serverKey = KeyGenerator.Generate(Spec(kind));
        var agentKey = KeyGenerator.Generate(Spec(kind));
        var server = ca.Issue("/C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com", serverKey.Public, LeafUsage.Server, now, TimeSpan.FromDays(365));
        var agent = ca.Issue("/CN=agent1", agentKey.Public, LeafUsage.Client, now, TimeSpan.FromDays(365));
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));
        dir.Write("ca.key", PemCodec.EncodePrivateKey(caKey.Private));
        dir.Write("server.crt", PemCodec.EncodeCertificate(server));
        dir.Write("server.key", PemCodec.EncodePrivateKey(serverKey.Private));
        dir.Write("agent1.crt", PemCodec.EncodeCertificate(agent));
        dir.Write("agent1.key", PemCodec.EncodePrivateKey(agentKey.Private));
        dir.Write("root.crl", PemCodec.EncodeCrl(ca.CreateCrl(now, TimeSpan.FromDays(365))));

        // When openssl checks them, Then every check passes
        Assert.Contains("server.crt: OK", OpenSsl.Ok(dir.Path, "verify", "-purpose", "sslserver", "-CAfile", "ca.crt", "server.crt"), StringComparison.Ordinal);
        Assert.Contains("agent1.crt: OK", OpenSsl.Ok(dir.Path, "verify", "-purpose", "sslclient", "-CAfile", "ca.crt", "agent1.crt"), StringComparison.Ordinal);
        Assert.Contains("server.crt: OK", OpenSsl.Ok(dir.Path, "verify", "-crl_check", "-CAfile", "ca.crt", "-CRLfile", "root.crl", "server.crt"), StringComparison.Ordinal);
        Assert.Contains("agent1.crt: OK", OpenSsl.Ok(dir.Path, "verify", "-crl_check", "-CAfile", "ca.crt", "-CRLfile", "root.crl", "agent1.crt"), StringComparison.Ordinal);
        Assert.True(ca.KeyMatches);
        foreach (var name in new[] { "ca", "server", "agent1" })
        {
            OpenSsl.Ok(dir.Path, "pkey", "-in", $"{name}.key", "-noout");
            Assert.Equal(
                OpenSsl.Ok(dir.Path, "pkey", "-in", $"{name}.key", "-pubout"),
                OpenSsl.Ok(dir.Path, "x509", "-in", $"{name}.crt", "-noout", "-pubkey"));
        }
    }

    [Theory]
    [MemberData(nameof(KeyKinds))]
    public void The_ca_certificate_has_the_extensions_openssl_expects_of_a_ca(string kind)
    {
        // Given a self-signed CA
        using var dir = new TempDirectory();
        var key = KeyGenerator.Generate(Spec(kind));
        var ca = CertificateAuthority.CreateSelfSigned("/C=IN/O=PEM/CN=pem-ca", key, DateTimeOffset.UtcNow, TimeSpan.FromDays(30));
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));

        // When openssl prints it
        var text = OpenSsl.Ok(dir.Path, "x509", "-in", "ca.crt", "-noout", "-text");

        // Then it is a v3 CA with critical constraints and key identifiers that match each other
        Assert.Contains("Version: 3 (0x2)", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 Basic Constraints: critical", text, StringComparison.Ordinal);
        Assert.Contains("CA:TRUE", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 Key Usage: critical", text, StringComparison.Ordinal);
        Assert.Contains("Certificate Sign, CRL Sign", text, StringComparison.Ordinal);
        var ski = ValueAfter(text, "X509v3 Subject Key Identifier:");
        var aki = ValueAfter(text, "X509v3 Authority Key Identifier:");
        Assert.Equal(ski, aki.Replace("keyid:", "", StringComparison.Ordinal));
        Assert.Contains(kind == "rsa2048" ? "sha256WithRSAEncryption" : "ecdsa-with-SHA256", text, StringComparison.Ordinal);
        if (kind != "rsa2048")
            Assert.Contains("ASN1 OID: prime256v1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_leaf_has_ca_false_the_usages_of_its_role_and_the_ca_key_id_as_authority()
    {
        // Given an RSA CA and an EC agent key
        using var dir = new TempDirectory();
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", KeyGenerator.Generate(KeySpec.Rsa(2048)), DateTimeOffset.UtcNow, TimeSpan.FromDays(30));
        var rsaLeaf = ca.Issue("/CN=pem.example.com", KeyGenerator.Generate(KeySpec.Rsa(2048)).Public, LeafUsage.Server | LeafUsage.Client, DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        var ecLeaf = ca.Issue("/CN=agent2", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));
        dir.Write("rsa.crt", PemCodec.EncodeCertificate(rsaLeaf));
        dir.Write("ec.crt", PemCodec.EncodeCertificate(ecLeaf));

        // When openssl prints them
        var caText = OpenSsl.Ok(dir.Path, "x509", "-in", "ca.crt", "-noout", "-text");
        var rsaText = OpenSsl.Ok(dir.Path, "x509", "-in", "rsa.crt", "-noout", "-text");
        var ecText = OpenSsl.Ok(dir.Path, "x509", "-in", "ec.crt", "-noout", "-text");

        // Then
        Assert.Contains("CA:FALSE", rsaText, StringComparison.Ordinal);
        Assert.Contains("Digital Signature, Key Encipherment", rsaText, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", rsaText, StringComparison.Ordinal);
        Assert.Equal("Digital Signature", ValueAfter(ecText, "X509v3 Key Usage: critical"));
        Assert.Equal("TLS Web Client Authentication", ValueAfter(ecText, "X509v3 Extended Key Usage:"));
        Assert.Equal(ValueAfter(caText, "X509v3 Subject Key Identifier:"), ValueAfter(ecText, "X509v3 Authority Key Identifier:").Replace("keyid:", "", StringComparison.Ordinal));
        Assert.NotEqual(ValueAfter(caText, "X509v3 Subject Key Identifier:"), ValueAfter(ecText, "X509v3 Subject Key Identifier:"));
        Assert.Contains("Issuer: CN = pem-ca", ecText, StringComparison.Ordinal);
    }

    [Fact]
    public void Validity_starts_five_minutes_early_in_whole_seconds_and_ends_after_the_requested_span()
    {
        // Given a fixed clock with fractions of a second
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(750);
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256);

        // When a CA and a leaf are made at that time
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", key, now, TimeSpan.FromDays(3650));
        var leaf = ca.Issue("/CN=agent1", key.Public, LeafUsage.Client, now, TimeSpan.FromDays(365));

        // Then
        foreach (var summary in new[] { CertificateSummary.From(ca.Certificate), CertificateSummary.From(leaf) })
            Assert.Equal(new DateTimeOffset(2026, 3, 1, 11, 55, 0, TimeSpan.Zero), summary.NotBefore);
        Assert.Equal(new DateTimeOffset(2036, 2, 27, 12, 0, 0, TimeSpan.Zero), CertificateSummary.From(ca.Certificate).NotAfter);
        Assert.Equal(new DateTimeOffset(2027, 3, 1, 12, 0, 0, TimeSpan.Zero), CertificateSummary.From(leaf).NotAfter);
    }

    [Fact]
    public void Serials_are_positive_random_and_at_most_127_bits()
    {
        var serials = Enumerable.Range(0, 200).Select(_ => CertificateAuthority.RandomSerial()).ToList();

        Assert.All(serials, s => Assert.InRange(s.BitLength, 1, 127));
        Assert.All(serials, s => Assert.True(s.SignValue > 0));
        Assert.Equal(serials.Count, serials.Distinct().Count());
    }

    [Fact]
    public void Key_matches_only_the_key_of_the_certificate()
    {
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var other = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", key, DateTimeOffset.UtcNow, TimeSpan.FromDays(1));

        Assert.True(ca.KeyMatches);
        Assert.False(new CertificateAuthority(ca.Certificate, other.Private).KeyMatches);
        Assert.True(new CertificateAuthority(ca.Certificate, PemCodec.DecodePrivateKey(System.Text.Encoding.ASCII.GetBytes(PemCodec.EncodePrivateKey(key.Private)))!.Private).KeyMatches);
    }

    [Fact]
    public void Leaves_issued_from_many_threads_at_once_all_verify()
    {
        // Given one CA and fifty agent keys
        using var dir = new TempDirectory();
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", KeyGenerator.Generate(KeySpec.Rsa(2048)), now, TimeSpan.FromDays(30));
        var keys = Enumerable.Range(0, 50).Select(_ => KeyGenerator.Generate(KeySpec.EcdsaP256)).ToArray();
        var leaves = new Org.BouncyCastle.X509.X509Certificate[keys.Length];

        // When they are issued in parallel
        Parallel.For(0, keys.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => leaves[i] = ca.Issue($"/CN=agent{i}", keys[i].Public, LeafUsage.Client, now, TimeSpan.FromDays(1)));

        // Then each verifies against the CA and carries its own key and subject
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));
        dir.Write("leaves.crt", string.Concat(leaves.Select(PemCodec.EncodeCertificate)));
        for (var i = 0; i < leaves.Length; i++)
        {
            leaves[i].Verify(ca.Certificate.GetPublicKey());
            Assert.Equal($"/CN=agent{i}", DistinguishedNames.Format(leaves[i].SubjectDN));
            Assert.Equal(Fingerprints.PublicKey(keys[i].Public), Fingerprints.PublicKey(leaves[i].GetPublicKey()));
        }
        Assert.Equal(50, leaves.Select(l => l.SerialNumber).Distinct().Count());
        var split = PemCodec.DecodeCertificates(dir.Read("leaves.crt"));
        for (var i = 0; i < split.Count; i++)
            dir.Write($"agent{i}.crt", PemCodec.EncodeCertificate(split[i]));
        var output = OpenSsl.Ok(dir.Path, ["verify", "-CAfile", "ca.crt", .. Enumerable.Range(0, 50).Select(i => $"agent{i}.crt")]);
        Assert.Equal(50, output.Split('\n').Count(line => line.EndsWith(": OK", StringComparison.Ordinal)));
    }

    [Fact]
    public void Keys_and_certificates_of_p384_use_sha384()
    {
        using var dir = new TempDirectory();
        var key = KeyGenerator.Generate(KeySpec.EcdsaP384);
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", key, DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        var leaf = ca.Issue("/CN=agent1", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));
        dir.Write("leaf.crt", PemCodec.EncodeCertificate(leaf));

        Assert.Contains("ecdsa-with-SHA384", OpenSsl.Ok(dir.Path, "x509", "-in", "leaf.crt", "-noout", "-text"), StringComparison.Ordinal);
        Assert.Contains("leaf.crt: OK", OpenSsl.Ok(dir.Path, "verify", "-CAfile", "ca.crt", "leaf.crt"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_leaf_carries_the_host_names_and_addresses_it_is_asked_for()
    {
        // Given a CA
        using var dir = new TempDirectory();
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), now, TimeSpan.FromDays(1));

        // When a server certificate is issued with alternative names
        var leaf = ca.Issue("/CN=pem.example.com", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Server, now, TimeSpan.FromDays(1),
            ["pem.example.com", "127.0.0.1", "::1"]);
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));
        dir.Write("leaf.crt", PemCodec.EncodeCertificate(leaf));

        // Then openssl sees them and accepts the host name and the address
        Assert.Equal("DNS:pem.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
            ValueAfter(OpenSsl.Ok(dir.Path, "x509", "-in", "leaf.crt", "-noout", "-text"), "X509v3 Subject Alternative Name:"));
        OpenSsl.Ok(dir.Path, "verify", "-CAfile", "ca.crt", "-verify_hostname", "pem.example.com", "leaf.crt");
        OpenSsl.Ok(dir.Path, "verify", "-CAfile", "ca.crt", "-verify_ip", "127.0.0.1", "leaf.crt");
        Assert.NotEqual(0, OpenSsl.Run(dir.Path, "verify", "-CAfile", "ca.crt", "-verify_hostname", "other.example.com", "leaf.crt").ExitCode);
    }

    [Fact]
    public void A_ca_certificate_without_a_key_identifier_still_gives_its_leaves_an_authority_key_id()
    {
        // Given a CA certificate and key made by openssl with no extensions at all
        using var dir = new TempDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "empty.cnf"), "[req]\ndistinguished_name=dn\n[dn]\n[none]\n");
        OpenSsl.Ok(dir.Path, "req", "-x509", "-config", "empty.cnf", "-extensions", "none", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-subj", "/CN=old-ca", "-days", "1", "-out", "ca.crt");
        var caCertificate = Assert.Single(PemCodec.DecodeCertificates(dir.Read("ca.crt")));
        Assert.Null(caCertificate.GetExtensionValue(Org.BouncyCastle.Asn1.X509.X509Extensions.SubjectKeyIdentifier));
        var ca = new CertificateAuthority(caCertificate, PemCodec.DecodePrivateKey(dir.Read("ca.key"))!.Private);

        // When it issues a leaf
        var leaf = ca.Issue("/CN=agent1", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        dir.Write("leaf.crt", PemCodec.EncodeCertificate(leaf));

        // Then the leaf's AKI is the RFC 5280 key id of the CA key, and openssl accepts the chain
        OpenSsl.Ok(dir.Path, "pkey", "-in", "ca.key", "-pubout", "-outform", "DER", "-out", "ca.spki");
        var point = dir.Read("ca.spki")[^65..]; // P-256 SPKI ends with the 65-byte uncompressed point, the BIT STRING's value
#pragma warning disable CA5350 // RFC 5280 key identifiers are SHA-1
        var expected = string.Join(':', System.Security.Cryptography.SHA1.HashData(point).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
#pragma warning restore CA5350
        Assert.True(ca.KeyMatches);
        Assert.Equal(expected, ValueAfter(OpenSsl.Ok(dir.Path, "x509", "-in", "leaf.crt", "-noout", "-text"), "X509v3 Authority Key Identifier:").Replace("keyid:", "", StringComparison.Ordinal));
        Assert.Contains("leaf.crt: OK", OpenSsl.Ok(dir.Path, "verify", "-CAfile", "ca.crt", "leaf.crt"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("genrsa -traditional -out ca.key 2048")]
    [InlineData("ecparam -name brainpoolP256r1 -genkey -noout -out ca.key")]
    public void A_ca_key_written_by_openssl_signs_leaves_that_openssl_accepts(string command)
    {
        // Given a CA key made by openssl (brainpool: a curve the platform signer does not take, so BouncyCastle signs)
        using var dir = new TempDirectory();
        OpenSsl.Ok(dir.Path, command.Split(' '));
        var key = PemCodec.DecodePrivateKey(dir.Read("ca.key"))!;
        var now = DateTimeOffset.UtcNow;

        // When it becomes a CA and issues a leaf
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", key, now, TimeSpan.FromDays(1));
        var leaf = ca.Issue("/CN=agent1", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, now, TimeSpan.FromDays(1));
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));
        dir.Write("leaf.crt", PemCodec.EncodeCertificate(leaf));

        // Then
        Assert.True(ca.KeyMatches);
        Assert.Contains("leaf.crt: OK", OpenSsl.Ok(dir.Path, "verify", "-CAfile", "ca.crt", "leaf.crt"), StringComparison.Ordinal);
    }

    /// <summary>The first non-empty line after a heading in openssl -text output, trimmed.</summary>
    internal static string ValueAfter(string text, string heading)
    {
        var lines = text.Split('\n');
        var index = Array.FindIndex(lines, l => l.Trim() == heading);
        Assert.True(index >= 0, $"'{heading}' not in:\n{text}");
        return lines[index + 1].Trim();
    }
}
