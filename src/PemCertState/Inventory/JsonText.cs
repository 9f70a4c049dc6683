using System.Text.Json;
using System.Text.Json.Serialization;

namespace PemCertState.Inventory;

/// <summary>
/// JSON string literals in messages that quote what a host, a file or a saved plan said, so that a forged value with odd
/// characters (a newline included) prints as one visible token. Source-generated: the installed tool is compiled ahead of
/// time, with no reflection-based serialization.
/// </summary>
internal static class JsonText
{
    /// <summary>Longer values are cut here: a quote names a value, it does not reproduce it.</summary>
    private const int QuotedAtMost = 200;

    public static string Quote(string text) => JsonSerializer.Serialize(text, TextJson.Default.String);

    /// <summary>Quoted and cut short; null as <c>null</c>.</summary>
    public static string QuoteCut(string? text) => text is null ? "null" : Quote(text.Length > QuotedAtMost ? text[..QuotedAtMost] + "…" : text);

    /// <summary>A JSON array of strings.</summary>
    public static string Quote(IEnumerable<string> texts) => JsonSerializer.Serialize([.. texts], TextJson.Default.StringArray);
}

[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class TextJson : JsonSerializerContext;
