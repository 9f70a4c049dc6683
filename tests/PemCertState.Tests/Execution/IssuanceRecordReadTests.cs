using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PemCertState.Crypto;
using PemCertState.Execution;
using PemCertState.Inventory;
using PemCertState.Tests.Support;
using PemCertState.State;
using Xunit;
using Xunit.Abstractions;

namespace PemCertState.Tests.Execution;

/// <summary>
/// issued.jsonl keeps a line for every certificate the CA ever signed (~15 MB after a first apply of 10,000 agents): its
/// reader skips the lines already expired when the newest line was written, before decoding their PEM, so a plan reads
/// what can still matter without decoding every certificate of the file's history.
/// </summary>
public sealed class IssuanceRecordReadTests(ITestOutputHelper output)
{
    private static readonly CertificateAuthority Ca =
        CertificateAuthority.CreateSelfSigned("/C=IN/O=PEM/CN=pem-ca", KeyGenerator.Generate(KeySpec.EcdsaP256), Lab.Today.AddDays(-400), TimeSpan.FromDays(3650));

    private static string Line(string address, DateTimeOffset time, int days, string? pem = null)
    {
        var certificate = Ca.Issue($"/C=IN/O=PEM/CN=agent-{address}-{days}", KeyGenerator.Generate(KeySpec.EcdsaP256).Public, LeafUsage.Client, time, TimeSpan.FromDays(days));
        var summary = CertificateSummary.From(certificate);
        return Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new IssuanceRecordFormat.Issued(time, address, summary.Subject, summary.Serial, summary.Issuer, summary.NotAfter,
            pem ?? PemCodec.EncodeCertificate(certificate)), IssuedJson.Default.Issued)) + "\n";
    }

    [Fact]
    public void Lines_expired_by_the_newest_lines_time_are_skipped_and_the_rest_read()
    {
        // Given a certificate issued a year ago for 30 days (long expired), one issued a year ago for two years, and one today
        var old = Lab.Today.AddDays(-365);
        var text = Line("agent[1].certificate", old, 30) + Line("agent[2].certificate", old, 730) + Line("agent[3].certificate", Lab.Today, 365);

        // When the record is read
        var records = IssuanceRecordFormat.Read(Encoding.UTF8.GetBytes(text));

        // Then the expired one is left out, the two still valid are there
        Assert.Equal([Addresses.AgentCertificate(2), Addresses.AgentCertificate(3)], records.Select(r => r.Address));
    }

    [Fact]
    public void A_hundred_thousand_expired_lines_are_left_out_undecoded()
    {
        // Given 100,000 lines of a certificate expired long ago, and one valid line written last
        var expired = Line("agent[1].certificate", Lab.Today.AddDays(-365), 30);
        var text = new StringBuilder();
        for (var i = 0; i < 100_000; i++) text.Append(expired);
        text.Append(Line("agent[2].certificate", Lab.Today, 365));
        var bytes = Encoding.UTF8.GetBytes(text.ToString());

        // When it is read
        var watch = Stopwatch.StartNew();
        var records = IssuanceRecordFormat.Read(bytes);
        watch.Stop();
        output.WriteLine($"{bytes.Length} bytes, {watch.ElapsedMilliseconds} ms");

        // Then only the valid one comes back: the expired lines (which would pass every other check) were left undecoded
        Assert.Equal(Addresses.AgentCertificate(2), Assert.Single(records).Address);
    }
}
