using System.Text.Json;

namespace PemCertState.Hosts;

/// <summary>What RemoteFiles.py said about one request: a status (ok, missing, exists, refused, error), its details, and file content for a read.</summary>
/// <param name="Content">The bytes read; may be key bytes, never logged.</param>
internal sealed record RemoteFileAnswer(string Status, JsonElement Header, byte[]? Content)
{
    public string? Text(string name) => Header.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public long Number(string name) => Header.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    public IReadOnlyList<string> Names() => Header.TryGetProperty("names", out var names) && names.ValueKind == JsonValueKind.Array
        ? names.EnumerateArray().Select(n => n.GetString() ?? "").ToList()
        : [];
}
