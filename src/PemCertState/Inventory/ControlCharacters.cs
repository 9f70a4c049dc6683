using System.Globalization;

namespace PemCertState.Inventory;

/// <summary>
/// Characters no inventory path, name, subject or command may hold: C0 controls (U+0000-U+001F, tab and newline
/// included), DEL, and the Unicode line breaks U+0085, U+2028, U+2029. A newline in cert_dir would otherwise
/// become a line of its own in agent.cfg (a setting pemstate never meant to write), and in a command a second
/// command.
/// </summary>
internal static class ControlCharacters
{
    public static bool IsControl(char c) => c <= '\u001F' || c == '\u007F' || c == '\u0085' || c == '\u2028' || c == '\u2029';

    /// <summary>The index of the first control character in <paramref name="text"/>, or -1.</summary>
    public static int IndexIn(string? text)
    {
        if (text is null) return -1;
        for (var i = 0; i < text.Length; i++)
            if (IsControl(text[i])) return i;
        return -1;
    }

    /// <summary>"a line feed (U+000A)": the character named, never printed, so that a message cannot itself break a line or drive a terminal.</summary>
    public static string Describe(char c)
    {
        var code = "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
        return c switch
        {
            '\n' => $"a line feed ({code})",
            '\r' => $"a carriage return ({code})",
            '\t' => $"a tab ({code})",
            '\0' => $"a NUL ({code})",
            '\u001B' => $"an escape ({code})",
            '\u0085' => $"a next-line character ({code})",
            '\u2028' => $"a line separator ({code})",
            '\u2029' => $"a paragraph separator ({code})",
            _ => $"the control character {code}",
        };
    }

    /// <summary>"holds a line feed (U+000A) at character 12", or null when <paramref name="text"/> is clean.</summary>
    public static string? Find(string? text)
    {
        var index = IndexIn(text);
        return index < 0 ? null : $"holds {Describe(text![index])} at character {index + 1}";
    }
}
