using System.Text;

namespace PemCertState.Crypto;

/// <summary>RFC 7468 textual encoding: the "-----BEGIN X-----" blocks of a text, and writing one block.</summary>
/// <remarks>Never throws on bad input: a block that is not valid base64 is skipped.</remarks>
internal static class PemBlocks
{
    private const string Dashes = "-----";
    private const string Begin = "-----BEGIN ";
    private const string End = "-----END ";

    internal readonly record struct Block(string Label, byte[] Der);

    public static string Encode(string label, byte[] der)
    {
        var base64 = Convert.ToBase64String(der);
        var text = new StringBuilder(base64.Length + (base64.Length / 64) + (2 * label.Length) + 40);
        text.Append(Begin).Append(label).Append(Dashes).Append('\n');
        for (var i = 0; i < base64.Length; i += 64)
            text.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
        text.Append(End).Append(label).Append(Dashes).Append('\n');
        return text.ToString();
    }

    public static List<Block> Decode(ReadOnlySpan<byte> bytes)
    {
        var blocks = new List<Block>();
        // Latin-1 maps every byte to one char and never fails; PEM itself is ASCII.
        var text = Encoding.Latin1.GetString(bytes);
        var position = 0;
        while (true)
        {
            var begin = text.IndexOf(Begin, position, StringComparison.Ordinal);
            if (begin < 0)
                break;
            var labelStart = begin + Begin.Length;
            var labelEnd = text.IndexOf(Dashes, labelStart, StringComparison.Ordinal);
            if (labelEnd < 0)
                break;
            var label = text[labelStart..labelEnd];
            if (label.Contains('\n', StringComparison.Ordinal))
            {
                position = labelStart;
                continue;
            }
            var bodyStart = labelEnd + Dashes.Length;
            var endMarker = End + label + Dashes;
            var end = text.IndexOf(endMarker, bodyStart, StringComparison.Ordinal);
            if (end < 0)
                break;
            var body = text.AsSpan(bodyStart, end - bodyStart);
            var buffer = new byte[body.Length];
            // TryFromBase64Chars skips line breaks. Header lines ("Proc-Type: 4,ENCRYPTED") make the body invalid base64: such blocks are skipped.
            if (Convert.TryFromBase64Chars(body, buffer, out var written) && written > 0)
                blocks.Add(new Block(label, buffer[..written]));
            Array.Clear(buffer);
            position = end + endMarker.Length;
        }
        return blocks;
    }
}
