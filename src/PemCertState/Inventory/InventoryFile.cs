using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace PemCertState.Inventory;

/// <summary>
/// Reads an inventory's bytes within <see cref="InventoryBounds.MaximumFileBytes"/> and decodes them as strict UTF-8.
/// A lenient decoder replaces a bad byte with U+FFFD, so "lab/serv\xff\xfeer/data" became another folder and apply
/// built a new CA there; here the first bad byte is a diagnostic at its line and column.
/// </summary>
internal static class InventoryFile
{
    private static readonly UTF8Encoding _strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text, or the reason it is refused and where (1:1 for a file that cannot be read or is too large).</summary>
    public static (string? Text, (int Line, int Column, string Message)? Error) Read(string path)
    {
        byte[] buffer;
        int length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            // Reads one byte past the bound, never the whole file: the length a FIFO or /proc file reports is no guide.
            buffer = new byte[InventoryBounds.MaximumFileBytes + 1];
            length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return (null, (1, 1, $"cannot read the inventory: {e.Message}"));
        }
        if (length > InventoryBounds.MaximumFileBytes)
        {
            var size = TryLength(path) is { } known ? $"is {known.ToString(CultureInfo.InvariantCulture)} bytes" : "is larger than that";
            return (null, (1, 1, $"the inventory {size}; at most {InventoryBounds.MaximumFileBytes} bytes (1 MiB) are read"));
        }
        return Decode(buffer.AsSpan(0, length));
    }

    /// <summary>Strict UTF-8, a leading byte order mark skipped as File.ReadAllText did.</summary>
    public static (string? Text, (int Line, int Column, string Message)? Error) Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            bytes = bytes[3..];
        if (Utf8.IsValid(bytes))
            return (_strict.GetString(bytes), null);
        var offset = FirstInvalidByte(bytes);
        var lineStart = bytes[..offset].LastIndexOf((byte)'\n') + 1;
        var line = bytes[..offset].Count((byte)'\n') + 1;
        // Columns count characters, as YAML's marks do; the line's prefix before the bad byte is valid UTF-8.
        var column = _strict.GetCharCount(bytes[lineStart..offset]) + 1;
        var shown = string.Join(' ', bytes[offset..Math.Min(bytes.Length, offset + 4)].ToArray().Select(b => "0x" + b.ToString("X2", CultureInfo.InvariantCulture)));
        return (null, (line, column, $"the inventory is not valid UTF-8: byte {offset + 1} ({shown}) does not start or continue a character; save the file as UTF-8"));
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        var chars = ArrayPool<char>.Shared.Rent(bytes.Length);
        try
        {
            var status = Utf8.ToUtf16(bytes, chars, out var read, out _, replaceInvalidSequences: false);
            return status == OperationStatus.Done ? bytes.Length : read;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static long? TryLength(string path)
    {
        try { return new FileInfo(path).Length is > 0 and var length ? length : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
