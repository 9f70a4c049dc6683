using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace PemCertState.State;

/// <summary>`loaded.jsonl`, line by line: what an apply writes for a consumer it (re)started, and how a plan reads it back.</summary>
internal static partial class LoadedFilesFormat
{
    /// <summary>Recorded for a consumer whose loaded files nobody knows: it owes its restart until one succeeds.</summary>
    public const string Unknown = "unknown";

    public static byte[] Line(string consumer, string fingerprint, DateTimeOffset now) =>
        [.. JsonSerializer.SerializeToUtf8Bytes(new Record(consumer, fingerprint, now), LoadedJson.Default.Record), (byte)'\n'];

    /// <summary>
    /// The last fingerprint recorded for each consumer. The file is pemstate's own in a folder only root can change, and still
    /// read as untrusted: a line that is not exactly a record (a torn last line, a name no consumer has, a fingerprint that is
    /// not one) is skipped, and counts as no record.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read(ReadOnlySpan<byte> all)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(all).Split('\n'))
        {
            if (line.Length == 0) continue;
            Record? record;
            try { record = JsonSerializer.Deserialize(line, LoadedJson.Default.Record); }
            catch (JsonException) { continue; }
            if (record is { Consumer: { } name, Fingerprint: { } fingerprint } && ConsumerName().IsMatch(name)
                && (fingerprint == Unknown || Sha256Hex().IsMatch(fingerprint)))
                records[name] = fingerprint;
        }
        return records;
    }

    [GeneratedRegex(@"\A(server|web|agent\[[0-9]{1,9}\])\z")]
    private static partial Regex ConsumerName();

    [GeneratedRegex(@"\A[0-9a-f]{64}\z")]
    private static partial Regex Sha256Hex();

    internal sealed record Record(string Consumer, string Fingerprint, DateTimeOffset Time);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(LoadedFilesFormat.Record))]
internal sealed partial class LoadedJson : JsonSerializerContext;
