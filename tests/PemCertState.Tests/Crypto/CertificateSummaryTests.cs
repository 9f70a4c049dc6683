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
            OpenSsl.Ok(dir.Path, "x509", "-in", "leaf.crt", "-noout", "-serial").Trim().Replace("serial=", "", StringComparison.Ordinal).TrimStart('0'),
            leafSummary.Serial.TrimStart('0'));
        var spki = OpenSslDer(dir, "pkey", "-in", "leaf.key", "-pubout", "-outform", "DER");
        Assert.Equal(Fingerprints.Sha256Hex(spki), leafSummary.PublicKeySha256);
        Assert.Equal(Fingerprints.PublicKey(PemCodec.DecodePrivateKey(dir.Read("leaf.key"))!.Public), leafSummary.PublicKeySha256);
    }

    private static byte[] OpenSslDer(TempDirectory dir, params string[] arguments)
    {
        OpenSsl.Ok(dir.Path, [.. arguments, "-out", "out.der"]);
        return dir.Read("out.der");
    }
}
