using System.Globalization;
using System.Text;

namespace PemCertState.Inventory;

/// <summary>
/// The sizes an inventory may not exceed. Each bound keeps a hostile or mistaken file to well under a second and
/// 100 MB of work: without them a 283-byte YAML alias bomb ran for 40 s in 1.6 GB, 50,000 nested '[' overflowed the
/// stack, and a 10 MB CN was written into a certificate OpenSSL cannot read.
/// </summary>
internal static class InventoryBounds
{
    /// <summary>1 MiB: a 10,000-agent inventory is about 300 KB; the file is read whole before it is parsed.</summary>
    public const int MaximumFileBytes = 1024 * 1024;

    /// <summary>Nested mappings and lists; a real inventory nests 5 deep. The YAML library and the JSON serializer recurse per level.</summary>
    public const int MaximumDepth = 64;

    /// <summary>
    /// Values in the document after every alias is expanded (an alias repeats its anchor's whole content, so aliases
    /// of aliases multiply: "billion laughs"). 200,000 is 20 values for each of 10,000 agents.
    /// </summary>
    public const int MaximumValues = 200_000;

    /// <summary>Every string, in UTF-8 bytes: Linux's PATH_MAX, and far beyond any name, subject or command.</summary>
    public const int MaximumTextBytes = 4096;

    /// <summary>"server.data_dir: is 5000 bytes long; ...", or null when <paramref name="text"/> is within the bound.</summary>
    public static string? TextTooLong(string where, string text)
    {
        // Cheap first: a string of at most 1,365 chars cannot exceed 4,096 bytes (3 bytes per UTF-16 unit at most).
        if (text.Length <= MaximumTextBytes / 3) return null;
        var bytes = Encoding.UTF8.GetByteCount(text);
        return bytes <= MaximumTextBytes
            ? null
            : $"{where}: is {bytes.ToString(CultureInfo.InvariantCulture)} bytes long; paths, names, subjects and commands are at most {MaximumTextBytes} bytes (Linux's PATH_MAX)";
    }

    /// <summary>
    /// The first <paramref name="length"/> characters of <paramref name="text"/> for a message, marked when cut: a
    /// message that echoes a value must stay one readable line, whatever the value.
    /// </summary>
    public static string Excerpt(string text, int length = 80) =>
        text.Length <= length ? text : string.Concat(text.AsSpan(0, length), $"… ({text.Length.ToString(CultureInfo.InvariantCulture)} characters)");
}
