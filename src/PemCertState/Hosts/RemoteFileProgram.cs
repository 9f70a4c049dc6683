using System.Buffers.Binary;
using System.Reflection;
using System.Text.Json;
using PemCertState.Facts;
using PemCertState.Inventory;

namespace PemCertState.Hosts;

/// <summary>
/// RemoteFiles.py, the program <see cref="SshHost"/> runs on a host for every batch of file operations, and its framing:
/// requests on stdin, answers on stdout, each a 4-byte big-endian length, a JSON header, and the header's "size" bytes of
/// content. Content (key bytes) travels only on stdin and stdout, never on a command line, where ps would show it.
/// </summary>
internal static class RemoteFileProgram
{
    /// <summary>What the launcher prints on stderr when the host has no Python 3.</summary>
    public const string NoPython = "pemstate: no python3 on this host";

    /// <summary>
    /// Runs the program given as $1 with python3, or RHEL's platform-python where python3 is not installed. -I ignores
    /// PYTHON* variables and the current folder (a json.py planted in the login's home is not imported), -S skips site.
    /// </summary>
    public const string Launcher = """
        for p in python3 /usr/libexec/platform-python; do
          if command -v "$p" >/dev/null 2>&1; then exec "$p" -I -S -c "$1"; fi
        done
        echo 'pemstate: no python3 on this host' >&2
        cat >/dev/null
        exit 127
        """;

    public static string Source { get; } = Load();

    private static string Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("RemoteFiles.py")
            ?? throw new InvalidOperationException("RemoteFiles.py is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The requests as the program reads them, ended by a zero length. Holds key bytes: clear it after use.</summary>
    public static byte[] Encode(IReadOnlyList<RemoteFileRequest> requests)
    {
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var request in requests)
        {
            var header = Header(request);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)header.Length);
            buffer.Write(length);
            buffer.Write(header);
            if (request.Content is { } content) buffer.Write(content.Span);
        }
        BinaryPrimitives.WriteUInt32BigEndian(length, 0);
        buffer.Write(length);
        // ToArray copies; the stream's own buffer is cleared so that only the copy the caller clears holds key bytes.
        var bytes = buffer.ToArray();
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer.GetBuffer());
        return bytes;
    }

    private static byte[] Header(RemoteFileRequest request)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("op", request.Operation);
            writer.WriteString("path", request.Path);
            if (request.Mode is { } mode) writer.WriteNumber("mode", (int)mode & 0xFFF);
            if (request.Owner is { } owner) writer.WriteString("owner", owner);
            if (request.Content is { } content) writer.WriteNumber("size", content.Length);
            if (request.Limit is { } limit) writer.WriteNumber("limit", limit);
            if (request.Source is { } source) writer.WriteString("source", source);
            if (request.Sha256 is { } sha256) writer.WriteString("sha256", sha256);
            if (request.Digest is { } digest) writer.WriteString("digest", digest);
            if (request.Unseal) writer.WriteBoolean("unseal", true);
            if (request.After) writer.WriteBoolean("after", true);
            if (request.Folder is { } folder) writer.WriteNumber("folder", (int)folder & 0xFFF);
            if (request.Key is { } key)
            {
                writer.WriteString("algorithm", key.Algorithm == KeyAlgorithm.Rsa ? "rsa" : "ec");
                if (key.Algorithm == KeyAlgorithm.Rsa) writer.WriteNumber("bits", key.Size);
                else writer.WriteString("curve", $"P-{key.Size}");
            }
            if (request.Proof is { } proof)
            {
                writer.WriteString("kind", proof.Kind == LeftoverKind.Folder ? "folder" : "regular");
                writer.WriteStartArray("names");
                foreach (var name in proof.Names.Order(StringComparer.Ordinal)) writer.WriteStringValue(name);
                writer.WriteEndArray();
                writer.WriteStartArray("owners");
                foreach (var account in proof.Owners.Order(StringComparer.Ordinal)) writer.WriteStringValue(account);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        return json.ToArray();
    }

    /// <summary>Every complete answer in <paramref name="output"/>, in order; fewer than asked when the program stopped early.</summary>
    /// <exception cref="FormatException">The output is not the program's framing.</exception>
    public static List<RemoteFileAnswer> Decode(ReadOnlySpan<byte> output)
    {
        var answers = new List<RemoteFileAnswer>();
        while (output.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(output);
            if (length > (uint)(output.Length - 4)) break;
            JsonElement header;
            try
            {
                using var document = JsonDocument.Parse(output.Slice(4, (int)length).ToArray());
                header = document.RootElement.Clone();
            }
            catch (JsonException e) { throw new FormatException("an answer header is not JSON", e); }
            output = output[(4 + (int)length)..];
            byte[]? content = null;
            if (header.TryGetProperty("size", out var size))
            {
                var count = size.GetInt64();
                if (count < 0 || count > output.Length) break;
                content = output[..(int)count].ToArray();
                output = output[(int)count..];
            }
            var status = header.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "";
            answers.Add(new RemoteFileAnswer(status, header, content));
        }
        return answers;
    }
}
