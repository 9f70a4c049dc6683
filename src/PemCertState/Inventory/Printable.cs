using System.Globalization;
using System.Text;

namespace PemCertState.Inventory;

/// <summary>
/// Text from a host as a person may see it: control, format (bidirectional overrides among them), line-separator and
/// lone-surrogate characters shown as U+XXXX. A file name or setting read from a host cannot add a line to a plan,
/// drive root's terminal with an escape sequence, or reorder what is displayed around it.
/// </summary>
public static class Printable
{
    public static string Of(string text)
    {
        var i = 0;
        while (i < text.Length && !Hidden(text[i])) i++;
        if (i == text.Length) return text;
        var visible = new StringBuilder(text.Length + 16).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (Hidden(c)) visible.Append("U+").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else visible.Append(c);
        }
        return visible.ToString();
    }

    private static bool Hidden(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned;
}
