using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using PemCertState.Crypto;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Crypto;

public sealed class PemCodecTests
{
    [Theory]
    [InlineData("genrsa -traditional -out key.pem 2048", "RSA PRIVATE KEY", "RSA 2048")]
    [InlineData("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem", "PRIVATE KEY", "RSA 2048")]
    [InlineData("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem", "PRIVATE KEY", "ECDSA P-256")]
    [InlineData("ecparam -name prime256v1 -genkey -out key.pem", "EC PARAMETERS", "ECDSA P-256")]
    [InlineData("ecparam -name secp384r1 -genkey -noout -out key.pem", "EC PRIVATE KEY", "ECDSA P-384")]
    public void Reads_keys_that_openssl_writes_with_their_public_half(string command, string expectedBlock, string expectedKind)
    {
        // Given a key file written by openssl
        using var dir = new TempDirectory();
        OpenSsl.Ok(dir.Path, command.Split(' '));
        var file = dir.Read("key.pem");
        Assert.Contains($"-----BEGIN {expectedBlock}-----", Encoding.ASCII.GetString(file), StringComparison.Ordinal);

        // When we read it
        var pair = PemCodec.DecodePrivateKey(file);

        // Then it is the same key openssl sees: same public key, and our PKCS#8 re-encoding reads back in openssl
        Assert.NotNull(pair);
        Assert.Equal(expectedKind, KeyGenerator.Describe(pair.Private).ToString());
        Assert.Equal(Fingerprints.PublicKey(pair.Public), Fingerprints.PublicKey(pair.Private));
        var opensslPublic = OpenSsl.Ok(dir.Path, "pkey", "-in", "key.pem", "-pubout");
        Assert.Equal(opensslPublic, PublicKeyPem(pair.Public));
        dir.Write("ours.pem", PemCodec.EncodePrivateKey(pair.Private));
        Assert.Equal(opensslPublic, OpenSsl.Ok(dir.Path, "pkey", "-in", "ours.pem", "-pubout"));
    }

    [Theory]
    [InlineData("rsa2048")]
    [InlineData("p256")]
    [InlineData("p384")]
    public void Our_keys_are_pkcs8_that_openssl_reads_with_named_curves(string kind)
    {
        using var dir = new TempDirectory();
        var spec = kind switch { "rsa2048" => KeySpec.Rsa(2048), "p256" => KeySpec.EcdsaP256, _ => KeySpec.EcdsaP384 };
        var pair = KeyGenerator.Generate(spec);
        var pem = PemCodec.EncodePrivateKey(pair.Private);
        dir.Write("key.pem", pem);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", pem, StringComparison.Ordinal);
        Assert.EndsWith("-----END PRIVATE KEY-----\n", pem, StringComparison.Ordinal);
        OpenSsl.Ok(dir.Path, "pkey", "-in", "key.pem", "-noout");
        Assert.Equal(PublicKeyPem(pair.Public), OpenSsl.Ok(dir.Path, "pkey", "-in", "key.pem", "-pubout"));
        if (kind != "rsa2048")
            Assert.Contains(kind == "p256" ? "ASN1 OID: prime256v1" : "ASN1 OID: secp384r1", OpenSsl.Ok(dir.Path, "pkey", "-in", "key.pem", "-noout", "-text"), StringComparison.Ordinal);
        var back = PemCodec.DecodePrivateKey(Encoding.ASCII.GetBytes(pem));
        Assert.NotNull(back);
        Assert.Equal(Fingerprints.PublicKey(pair.Public), Fingerprints.PublicKey(back.Public));
    }

    [Fact]
    public void Certificates_are_written_as_openssl_writes_them()
    {
        using var dir = new TempDirectory();
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        var pem = PemCodec.EncodeCertificate(ca.Certificate);
        dir.Write("ca.crt", pem);

        Assert.Equal(OpenSsl.Ok(dir.Path, "x509", "-in", "ca.crt"), pem);
        Assert.DoesNotContain("\r", pem, StringComparison.Ordinal);
        Assert.All(pem.TrimEnd('\n').Split('\n'), line => Assert.InRange(line.Length, 1, 64));
    }

    [Fact]
    public void Reads_every_certificate_of_a_bundle_in_order_ignoring_text_between_blocks()
    {
        // Given a bundle as openssl and humans write them, with subject= lines between certificates
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), now, TimeSpan.FromDays(1));
        var leaf = ca.Issue("/CN=agent1", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, now, TimeSpan.FromDays(1));
        var bundle = "subject=CN=agent1\r\nissuer=CN=pem-ca\r\n" + PemCodec.EncodeCertificate(leaf).Replace("\n", "\r\n", StringComparison.Ordinal)
                     + "\nsubject=CN=pem-ca\n" + PemCodec.EncodeCertificate(ca.Certificate) + "trailing words\n";

        // When
        var certificates = PemCodec.DecodeCertificates(Encoding.ASCII.GetBytes(bundle));

        // Then
        Assert.Equal([leaf.GetEncoded(), ca.Certificate.GetEncoded()], certificates.Select(c => c.GetEncoded()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIB")]
    public void A_text_without_certificates_gives_an_empty_list(string text)
        => Assert.Empty(PemCodec.DecodeCertificates(Encoding.ASCII.GetBytes(text)));

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n")]
    public void Garbage_is_not_a_key(string text)
        => Assert.Null(PemCodec.DecodePrivateKey(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Random_bytes_and_a_certificate_are_not_keys()
    {
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        var random = new byte[4096];
        new Random(7).NextBytes(random);

        Assert.Null(PemCodec.DecodePrivateKey(Encoding.ASCII.GetBytes(PemCodec.EncodeCertificate(ca.Certificate))));
        Assert.Null(PemCodec.DecodePrivateKey(random));
        Assert.Empty(PemCodec.DecodeCertificates(random));
        Assert.Null(PemCodec.DecodeCrl(random));
    }

    [Fact]
    public void An_rsa_key_whose_factors_do_not_match_its_modulus_is_not_a_key()
    {
        // Given a PKCS#1 key with one prime replaced (a corrupted file that still parses)
        var good = (RsaPrivateCrtKeyParameters)KeyGenerator.Generate(KeySpec.Rsa(2048)).Private;
        var structure = new Org.BouncyCastle.Asn1.Pkcs.RsaPrivateKeyStructure(
            good.Modulus, good.PublicExponent, good.Exponent, good.P.Add(Org.BouncyCastle.Math.BigInteger.Two), good.Q, good.DP, good.DQ, good.QInv);
        var pem = "-----BEGIN RSA PRIVATE KEY-----\n" + Convert.ToBase64String(structure.GetDerEncoded(), Base64FormattingOptions.InsertLineBreaks) + "\n-----END RSA PRIVATE KEY-----\n";

        Assert.Null(PemCodec.DecodePrivateKey(Encoding.ASCII.GetBytes(pem)));
    }

    private static string PublicKeyPem(Org.BouncyCastle.Crypto.AsymmetricKeyParameter publicKey)
    {
        var der = Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetDerEncoded();
        var base64 = Convert.ToBase64String(der);
        var text = new StringBuilder("-----BEGIN PUBLIC KEY-----\n");
        for (var i = 0; i < base64.Length; i += 64)
            text.Append(base64.AsSpan(i, Math.Min(64, base64.Length - i))).Append('\n');
        return text.Append("-----END PUBLIC KEY-----\n").ToString();
    }
}
