using PemCertState.Crypto;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Crypto;

public sealed class CertificateSummaryTests
{
    [Fact]
    public void The_summary_agrees_with_what_openssl_prints()
    {
        // Given a CA and a leaf written to files
        using var dir = new TempDirectory();
        var caKey = KeyGenerator.Generate(KeySpec.Rsa(2048));
        var leafKey = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateAuthority.CreateSelfSigned("/C=IN/O=PEM/CN=pem-ca", caKey, now, TimeSpan.FromDays(10));
        var leaf = ca.Issue("/CN=agent3", leafKey.Public, LeafUsage.Client, now, TimeSpan.FromDays(1));
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));
        dir.Write("leaf.crt", PemCodec.EncodeCertificate(leaf));
        dir.Write("leaf.key", PemCodec.EncodePrivateKey(leafKey.Private));

        // When we summarise them
        var caSummary = CertificateSummary.From(ca.Certificate);
        var leafSummary = CertificateSummary.From(leaf);

        // Then
        Assert.Equal("/CN=agent3", leafSummary.Subject);
        Assert.Equal("/C=IN/O=PEM/CN=pem-ca", leafSummary.Issuer);
        Assert.Equal("RSA 2048", caSummary.Key);
        Assert.Equal("ECDSA P-256", leafSummary.Key);
        Assert.True(caSummary.IsCa);
        Assert.False(leafSummary.IsCa);
        Assert.Equal(
            OpenSsl.Ok(dir.Path, "x509", "-in", "leaf.crt", "-noout", "-fingerprint", "-sha256").Trim(),
            "sha256 Fingerprint=" + leafSummary.Sha256);
        Assert.Equal(
            OpenSsl.Ok(dir.Path, "x509", "-in", "leaf.crt", "-noout", "-serial").Trim().Replace("serial=", "", StringComparison.Ordinal),
            leafSummary.Serial);
        var spki = OpenSslDer(dir, "pkey", "-in", "leaf.key", "-pubout", "-outform", "DER");
        Assert.Equal(Fingerprints.Sha256Hex(spki), leafSummary.PublicKeySha256);
        Assert.Equal(Fingerprints.PublicKey(PemCodec.DecodePrivateKey(dir.Read("leaf.key"))!.Public), leafSummary.PublicKeySha256);
    }

    [Theory]
    [InlineData("0x0A3F")] // a leading zero nibble: BigInteger's hex drops it, openssl prints it
    [InlineData("0x00FF")] // a zero byte DER keeps to stay positive
    [InlineData("0x0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0x80")]
    public void A_serial_is_written_as_openssl_prints_it(string serial)
    {
        // Given a certificate openssl made with that serial
        using var dir = new TempDirectory();
        OpenSsl.Ok(dir.Path, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.key", "-subj", "/CN=s",
            "-days", "1", "-set_serial", serial, "-out", "s.crt");

        // When we summarise it
        var summary = CertificateSummary.From(PemCodec.DecodeCertificates(dir.Read("s.crt"))[0]);

        // Then its serial is the text openssl shows, the one a CA's operator revokes by
        Assert.Equal(OpenSsl.Ok(dir.Path, "x509", "-in", "s.crt", "-noout", "-serial").Trim()["serial=".Length..], summary.Serial);
        Assert.Equal(summary.Serial, Serials.Normal(summary.Serial.TrimStart('0')));
    }

    private static byte[] OpenSslDer(TempDirectory dir, params string[] arguments)
    {
        OpenSsl.Ok(dir.Path, [.. arguments, "-out", "out.der"]);
        return dir.Read("out.der");
    }
}
