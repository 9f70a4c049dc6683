using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.State;

/// <summary>
/// `issued.jsonl`, line by line: what pemstate writes for each certificate PEM's own CA signs, and how a plan reads it back
/// (the appending is Execution's <c>IssuanceRecord</c>).
/// </summary>
internal static partial class IssuanceRecordFormat
{
    public const string FileName = StateFiles.IssuedName;

    /// <summary>More lines than this are not read back (the oldest are dropped first): 10,000 agents renewed yearly for a decade fit.</summary>
    public const int MaxLines = 200_000;

    public static string PathFor(ServerSpec server) => StateFiles.Issued(server);

    public static byte[] Line(ResourceAddress address, X509Certificate certificate, DateTimeOffset now)
    {
        var summary = CertificateSummary.From(certificate);
        var line = new Issued(now, address.ToString(), summary.Subject, summary.Serial, summary.Issuer, summary.NotAfter, PemCodec.EncodeCertificate(certificate));
        return [.. JsonSerializer.SerializeToUtf8Bytes(line, IssuedJson.Default.Issued), (byte)'\n'];
    }

    /// <summary>
    /// The lines that are exactly a record, the last <see cref="MaxLines"/>, less those already expired. The file is pemstate's
    /// own, in a folder only root can change, and still read as untrusted: a line that is not a record (torn, an unknown
    /// address, a serial that is not hex, control characters, a certificate that does not parse or whose serial and subject
    /// are not the line's) is skipped. Whether the CA really signed it is the planner's check, against the CA on the server.
    /// </summary>
    /// <remarks>
    /// The file holds a line for every certificate ever signed (~15 MB after a first apply of 10,000 agents, more with each
    /// renewal), and decoding a PEM is what costs: a line whose not_after is not after the newest line's time is skipped before
    /// its PEM is decoded. That time is when the last apply signed, so no plan after it can find such a certificate valid, and
    /// the planner drops expired ones anyway (clock-free on purpose: the observer has no clock). A line that lies about its
    /// not_after to be skipped hides only itself, from a file only root can write.
    /// </remarks>
    public static IReadOnlyList<IssuedCertificate> Read(ReadOnlySpan<byte> all)
    {
        var parsed = new List<Issued>();
        var newest = DateTimeOffset.MinValue;
        var lines = Encoding.UTF8.GetString(all).Split('\n');
        foreach (var line in lines.Skip(Math.Max(0, lines.Length - MaxLines)))
        {
            if (line.Length == 0 || line.Length > 64 * 1024) continue;
            Issued? record;
            try { record = JsonSerializer.Deserialize(line, IssuedJson.Default.Issued); }
            catch (JsonException) { continue; }
            if (record is not { Address: { } address, Subject: { } subject, Serial: { } serial, Issuer: { } issuer, Certificate: not null }
                || !IsIssuedFor(address) || !SerialPattern().IsMatch(serial)
                || subject.Length > 1024 || issuer.Length > 1024 || subject.Any(char.IsControl) || issuer.Any(char.IsControl))
                continue;
            parsed.Add(record);
            if (record.Time > newest) newest = record.Time;
        }
        var records = new List<IssuedCertificate>();
        foreach (var record in parsed)
        {
            if (record.NotAfter <= newest) continue;
            if (PemCodec.DecodeCertificates(Encoding.UTF8.GetBytes(record.Certificate)) is not [var certificate]) continue;
            var summary = CertificateSummary.From(certificate);
            if (summary.Serial != Serials.Normal(record.Serial) || summary.Subject != record.Subject) continue; // an older record's serial may lack openssl's leading zero
            records.Add(new IssuedCertificate(record.Time, ResourceAddress.Parse(record.Address), certificate));
        }
        return records;
    }

    /// <summary>The address of a certificate the CA signs, exactly as pemstate writes it; anything else in the file is skipped.</summary>
    private static bool IsIssuedFor(string text) =>
        ResourceAddress.TryParse(text, out var address) && address.Kind is ResourceKind.Ca or ResourceKind.ServerCertificate
            or ResourceKind.WebCertificate or ResourceKind.CommonAgentCertificate or ResourceKind.AgentCertificate;

    [GeneratedRegex(@"\A[0-9A-F]{1,40}\z")]
    private static partial Regex SerialPattern();

    internal sealed record Issued(DateTimeOffset Time, string Address, string Subject, string Serial, string Issuer, DateTimeOffset NotAfter, string Certificate);
}

/// <summary>One certificate the managed CA signed, as issued.jsonl records it.</summary>
/// <param name="Address">The resource it was issued for: "agent[7].certificate", "agents.common_certificate", ...</param>
internal sealed record IssuedCertificate(DateTimeOffset Time, ResourceAddress Address, X509Certificate Certificate);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IssuanceRecordFormat.Issued))]
internal sealed partial class IssuedJson : JsonSerializerContext;
