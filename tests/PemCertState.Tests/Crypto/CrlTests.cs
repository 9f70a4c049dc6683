using PemCertState.Crypto;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Crypto;

public sealed class CrlTests
{
    [Theory]
    [InlineData("rsa2048")]
    [InlineData("p256")]
    public void Openssl_rejects_a_revoked_leaf_and_accepts_the_others(string kind)
    {
        // Given a CA, two agents, and a CRL that revokes the first
        using var dir = new TempDirectory();
        var spec = kind == "rsa2048" ? KeySpec.Rsa(2048) : KeySpec.EcdsaP256;
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateAuthority.CreateSelfSigned("/O=PEM/CN=pem-ca", KeyGenerator.Generate(spec), now, TimeSpan.FromDays(30));
        var revoked = ca.Issue("/CN=agent1", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, now, TimeSpan.FromDays(1));
        var kept = ca.Issue("/CN=agent2", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, now, TimeSpan.FromDays(1));
        var crl = ca.CreateCrl(now, TimeSpan.FromDays(7), [new RevokedEntry(revoked.SerialNumber, now.AddMinutes(-1))]);
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));
        dir.Write("revoked.crt", PemCodec.EncodeCertificate(revoked));
        dir.Write("kept.crt", PemCodec.EncodeCertificate(kept));
        dir.Write("root.crl", PemCodec.EncodeCrl(crl));

        // When openssl verifies with CRL checking
        var rejected = OpenSsl.Run(dir.Path, "verify", "-crl_check", "-CAfile", "ca.crt", "-CRLfile", "root.crl", "revoked.crt");
        var accepted = OpenSsl.Run(dir.Path, "verify", "-crl_check", "-CAfile", "ca.crt", "-CRLfile", "root.crl", "kept.crt");

        // Then
        Assert.NotEqual(0, rejected.ExitCode);
        Assert.Contains("certificate revoked", rejected.Output, StringComparison.Ordinal);
        Assert.Equal(0, accepted.ExitCode);
        Assert.Contains("kept.crt: OK", accepted.Output, StringComparison.Ordinal);
        var text = OpenSsl.Ok(dir.Path, "crl", "-in", "root.crl", "-noout", "-text");
        Assert.Contains("Next Update:", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 CRL Number:", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 Authority Key Identifier:", text, StringComparison.Ordinal);
        Assert.Contains("Serial Number: " + Convert.ToHexString(revoked.SerialNumber.ToByteArrayUnsigned()), text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_later_crl_has_a_larger_number_and_keeps_the_revocation_dates()
    {
        // Given a CA and one revoked serial
        var now = new DateTimeOffset(2026, 5, 1, 8, 30, 15, TimeSpan.Zero);
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), now, TimeSpan.FromDays(30));
        var entry = new RevokedEntry(Org.BouncyCastle.Math.BigInteger.ValueOf(0x1234), new DateTimeOffset(2026, 4, 30, 10, 0, 0, TimeSpan.Zero));

        // When two CRLs are made an hour apart
        var first = ca.CreateCrl(now, TimeSpan.FromDays(7), [entry]);
        var second = ca.CreateCrl(now.AddHours(1), TimeSpan.FromDays(7), [entry]);

        // Then
        Assert.True(CrlNumber(second) > CrlNumber(first));
        Assert.Equal(now.UtcDateTime, first.ThisUpdate);
        Assert.Equal(now.AddDays(7).UtcDateTime, first.NextUpdate!.Value);
        var revoked = Assert.Single(second.GetRevokedCertificates());
        Assert.Equal(entry.Serial, revoked.SerialNumber);
        Assert.Equal(entry.RevokedAt.UtcDateTime, revoked.RevocationDate);
        first.Verify(ca.Certificate.GetPublicKey());
        Assert.Equal("/CN=pem-ca", DistinguishedNames.Format(first.IssuerDN));
    }

    [Fact]
    public void A_crl_reads_back_from_pem_and_der_and_garbage_gives_null()
    {
        var ca = CertificateAuthority.CreateSelfSigned("/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), DateTimeOffset.UtcNow, TimeSpan.FromDays(30));
        var crl = ca.CreateCrl(DateTimeOffset.UtcNow, TimeSpan.FromDays(7));

        Assert.Equal(crl.GetEncoded(), PemCodec.DecodeCrl(System.Text.Encoding.ASCII.GetBytes(PemCodec.EncodeCrl(crl)))!.GetEncoded());
        Assert.Equal(crl.GetEncoded(), PemCodec.DecodeCrl(crl.GetEncoded())!.GetEncoded());
        Assert.Null(PemCodec.DecodeCrl("not a crl"u8));
        Assert.Null(PemCodec.DecodeCrl([0x30, 0x03, 0x02, 0x01, 0x05]));
        Assert.Null(PemCodec.DecodeCrl(System.Text.Encoding.ASCII.GetBytes(PemCodec.EncodeCertificate(ca.Certificate))));
        Assert.Null(PemCodec.DecodeCrl([]));
    }

    private static long CrlNumber(Org.BouncyCastle.X509.X509Crl crl)
    {
        var value = crl.GetExtensionValue(Org.BouncyCastle.Asn1.X509.X509Extensions.CrlNumber)!;
        return Org.BouncyCastle.Asn1.DerInteger.GetInstance(value.GetOctets()).LongValueExact;
    }
}
