using System.Text.Json;

namespace PemCertState.Hosts;

/// <summary>What RemoteFiles.py said about one request: a status (ok, missing, exists, refused, error), its details, and file content for a read.</summary>
/// <param name="Content">The bytes read; may be key bytes, never logged.</param>
internal sealed record RemoteFileAnswer(string Status, JsonElement Header, byte[]? Content)
{
    public string? Text(string name) => Header.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public long Number(string name) => Header.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    /// <summary>A read's folders that an account other than root can change (see <see cref="WritableFolder"/>).</summary>
    public IReadOnlyList<WritableFolder> Writable() => Header.TryGetProperty("writable", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
        ? list.EnumerateArray().Select(w => new WritableFolder(
            w.TryGetProperty("path", out var p) ? p.GetString() ?? "" : "",
            w.TryGetProperty("owner", out var o) ? o.GetString() ?? "" : "",
            w.TryGetProperty("group", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null,
            w.TryGetProperty("world", out var world) && world.ValueKind == JsonValueKind.True,
            (UnixFileMode)(w.TryGetProperty("mode", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() & 0xFFF : 0))).ToList()
        : [];

    public IReadOnlyList<string> Names() => Header.TryGetProperty("names", out var names) && names.ValueKind == JsonValueKind.Array
        ? names.EnumerateArray().Select(n => n.GetString() ?? "").ToList()
        : [];
}
