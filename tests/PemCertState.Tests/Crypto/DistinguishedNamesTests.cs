using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Crypto;

public sealed class DistinguishedNamesTests
{
    [Theory]
    [InlineData("/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca")]
    [InlineData("/CN=agent7")]
    [InlineData("/DC=com/DC=example/OU=DBA/OU=PEM/CN=pem.example.com/emailAddress=dba@example.com")]
    [InlineData("/CN=pem_agent_common_user/serialNumber=42")]
    [InlineData("/O=Société Générale/CN=Müller")]
    [InlineData("/O=a\\/b/CN=back\\\\slash")]
    [InlineData("/CN=#not-hex")]
    public void Canonical_names_round_trip_in_order(string dn)
        => Assert.Equal(dn, DistinguishedNames.Format(DistinguishedNames.Parse(dn)));

    [Theory]
    [InlineData("/cn=agent1/", "/CN=agent1")]
    [InlineData("/C=IN//EMAILADDRESS=a@b.c", "/C=IN/emailAddress=a@b.c")]
    public void Names_are_formatted_canonically(string dn, string canonical)
        => Assert.Equal(canonical, DistinguishedNames.Format(DistinguishedNames.Parse(dn)));

    [Theory]
    [InlineData("/XX=1/CN=a", "unknown attribute 'XX' in subject")]
    [InlineData("/C=IN/CN=", "empty value for CN")]
    [InlineData("/C=IND/CN=a", "C must be a two-letter country code")]
    [InlineData("/C=1N/CN=a", "C must be a two-letter country code")]
    [InlineData("", "subject is empty")]
    [InlineData("/", "subject is empty")]
    [InlineData("CN=a", "subject must start with '/', as in /C=IN/O=PEM/CN=name (got 'CN=a')")]
    [InlineData("/CN=a/oops", "'oops' in subject is not attribute=value")]
    [InlineData("/emailAddress=ü@example.com", "emailAddress must be ASCII")]
    public void Bad_names_give_a_readable_error_and_no_exception(string dn, string expected)
    {
        var ok = DistinguishedNames.TryParse(dn, out var name, out var error);

        Assert.False(ok);
        Assert.Null(name);
        Assert.Equal(expected, error);
        Assert.Equal(expected, Assert.Throws<FormatException>(() => DistinguishedNames.Parse(dn)).Message);
    }

    [Fact]
    public void Country_is_a_printable_string_and_the_rest_utf8_as_openssl_3_writes()
    {
        var name = DistinguishedNames.Parse("/C=IN/O=PEM/CN=pem-ca/emailAddress=a@b.c");
        var rdns = ((Asn1Sequence)name.ToAsn1Object()).Cast<Asn1Set>().Select(set => Asn1Sequence.GetInstance(set[0])[1]).ToList();

        Assert.IsType<DerPrintableString>(rdns[0]);
        Assert.IsType<DerUtf8String>(rdns[1]);
        Assert.IsType<DerUtf8String>(rdns[2]);
        Assert.IsType<DerIA5String>(rdns[3]);
    }

    [Fact]
    public void Openssl_prints_our_subject_in_the_same_slash_form()
    {
        // Given a certificate whose subject we wrote
        using var dir = new TempDirectory();
        const string subject = "/C=IN/ST=MH/L=Pune/O=PEM/OU=DBA/CN=pem-ca/emailAddress=dba@example.com";
        var ca = CertificateAuthority.CreateSelfSigned(subject, KeyGenerator.Generate(KeySpec.EcdsaP256), DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        dir.Write("ca.crt", PemCodec.EncodeCertificate(ca.Certificate));

        // When openssl prints it in its compat (slash) form
        var printed = OpenSsl.Ok(dir.Path, "x509", "-in", "ca.crt", "-noout", "-subject", "-nameopt", "compat");

        // Then it is what we format
        Assert.Equal($"subject={subject}\n", printed);
        Assert.Equal(subject, CertificateSummary.From(ca.Certificate).Subject);
    }

    [Theory]
    [InlineData("/CN=#not-hex")]
    [InlineData("/O=a\\/b/CN=agent1")]
    public void A_name_reads_back_unchanged_from_a_certificate(string subject)
    {
        var key = KeyGenerator.Generate(KeySpec.EcdsaP256);
        var ca = CertificateAuthority.CreateSelfSigned(subject, key, DateTimeOffset.UtcNow, TimeSpan.FromDays(1));

        var reread = Assert.Single(PemCodec.DecodeCertificates(System.Text.Encoding.ASCII.GetBytes(PemCodec.EncodeCertificate(ca.Certificate))));

        Assert.Equal(subject, DistinguishedNames.Format(reread.SubjectDN));
    }

    [Fact]
    public void A_subject_written_by_openssl_formats_as_openssl_prints_it()
    {
        // Given a certificate made by openssl req
        using var dir = new TempDirectory();
        OpenSsl.Ok(dir.Path, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem",
            "-subj", "/C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com", "-days", "1", "-out", "c.pem");

        // When we read it
        var certificate = Assert.Single(PemCodec.DecodeCertificates(dir.Read("c.pem")));

        // Then
        Assert.Equal("/C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com", DistinguishedNames.Format(certificate.SubjectDN));
        Assert.Equal(
            OpenSsl.Ok(dir.Path, "x509", "-in", "c.pem", "-noout", "-subject", "-nameopt", "compat").Trim(),
            "subject=" + DistinguishedNames.Format(certificate.SubjectDN));
    }
}
