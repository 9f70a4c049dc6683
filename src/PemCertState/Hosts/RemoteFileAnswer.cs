using System.Text.Json;
using PemCertState.Facts;

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

    /// <summary>A read's leftovers in the file's folder; null when the folder is missing.</summary>
    public IReadOnlyList<LeftoverEntry>? Leftovers() => Header.TryGetProperty("leftovers", out var list) && list.ValueKind == JsonValueKind.Array
        ? [.. list.EnumerateArray().Select(Leftover)]
        : null;

    public LeftoverEntry? RefusedLeftover() => Header.TryGetProperty("entry", out var entry) && entry.ValueKind == JsonValueKind.Object ? Leftover(entry) : null;

    private static LeftoverEntry Leftover(JsonElement e) => new(
        e.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "",
        (e.TryGetProperty("kind", out var k) ? k.GetString() : null) switch
        {
            "regular" => LeftoverKind.Regular,
            "folder" => LeftoverKind.Folder,
            "link" => LeftoverKind.Link,
            _ => LeftoverKind.Other,
        },
        (UnixFileMode)(e.TryGetProperty("mode", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() & 0xFFF : 0),
        e.TryGetProperty("owner", out var o) ? o.GetString() ?? "" : "",
        e.TryGetProperty("ours", out var ours) && ours.ValueKind == JsonValueKind.True,
        e.TryGetProperty("links", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt64() : 0,
        e.TryGetProperty("entries", out var inner) && inner.ValueKind == JsonValueKind.Array ? [.. inner.EnumerateArray().Select(Leftover)] : null);

    /// <summary>A private key the host kept (a read of a key file, a new key): its hash and public half; null when none.</summary>
    public SealedKey? Sealed() => Header.TryGetProperty("sealed", out var seal) && seal.ValueKind == JsonValueKind.Object
        && seal.TryGetProperty("sha256", out var sha) && sha.ValueKind == JsonValueKind.String
        ? new SealedKey(sha.GetString()!, seal.TryGetProperty("spki", out var spki) && spki.ValueKind == JsonValueKind.String ? Convert.FromBase64String(spki.GetString()!) : null)
        : null;

    public IReadOnlyList<string> Names() => Header.TryGetProperty("names", out var names) && names.ValueKind == JsonValueKind.Array
        ? names.EnumerateArray().Select(n => n.GetString() ?? "").ToList()
        : [];
}
