namespace PemCertState.Configuration;

/// <summary>Splits text into lines that keep their own line endings, so that joining them gives the bytes back.</summary>
internal static class TextLines
{
    public static List<string> Split(string text)
    {
        var lines = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0) { lines.Add(text[start..]); break; }
            lines.Add(text[start..(end + 1)]);
            start = end + 1;
        }
        return lines;
    }

    /// <summary>The line without its ending, and the ending ("", "\n" or "\r\n").</summary>
    public static (string Body, string Ending) Cut(string line) =>
        line.EndsWith("\r\n", StringComparison.Ordinal) ? (line[..^2], "\r\n")
        : line.EndsWith('\n') ? (line[..^1], "\n")
        : (line, "");

    /// <summary>The ending the file already uses, so that added lines match it.</summary>
    public static string EndingOf(string text) => text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
}
