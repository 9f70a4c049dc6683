using System.Globalization;

namespace PemCertState.Inventory;

/// <summary>
/// The inventory's own check of OpenSSL-style subjects ("/C=IN/O=PEM/CN=pem-ca"), so the loader does not
/// depend on the Crypto stage. "\/" escapes a slash inside a value.
/// </summary>
internal static class DistinguishedNameSyntax
{
    private static readonly HashSet<string> _attributes =
        new(["C", "ST", "L", "O", "OU", "CN", "emailAddress", "DC", "serialNumber"], StringComparer.Ordinal);

    /// <summary>
    /// Upper bounds in characters, X.520's and PKCS #9's as OpenSSL enforces them (a_strnid.c): a longer value makes
    /// a certificate OpenSSL refuses to load, while pemstate's own verify would still pass it. C is exactly 2, below.
    /// </summary>
    private static readonly Dictionary<string, int> _maximumLength = new(StringComparer.Ordinal)
    {
        ["CN"] = 64, ["O"] = 64, ["OU"] = 64, ["L"] = 128, ["ST"] = 128, ["emailAddress"] = 128, ["serialNumber"] = 64,
        ["DC"] = 63, // one DNS label
    };

    /// <summary>The attributes in order, or the reason the text is not a subject.</summary>
    public static (IReadOnlyList<(string Key, string Value)> Attributes, string? Error) Parse(string fullText)
    {
        // Messages quote the subject: never more than a line of it.
        var text = InventoryBounds.Excerpt(fullText);
        var attributes = new List<(string, string)>();
        if (!fullText.StartsWith('/'))
            return (attributes, $"'{text}' must start with '/' (OpenSSL form, e.g. /C=IN/O=PEM/CN=pem-ca)");

        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 1; i < fullText.Length; i++)
        {
            var c = fullText[i];
            if (c == '\\')
            {
                if (i + 1 == fullText.Length)
                    return (attributes, $"'{text}' ends with a lone '\\'");
                current.Append(fullText[++i]);
            }
            else if (c == '/')
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        parts.Add(current.ToString());

        foreach (var part in parts)
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (part.Length == 0)
                return (attributes, $"'{text}' has an empty attribute (two '/' in a row or a trailing '/')");
            if (equals < 0)
                return (attributes, $"'{InventoryBounds.Excerpt(part)}' in '{text}' is not of the form key=value");
            var key = part[..equals];
            var value = part[(equals + 1)..];
            if (!_attributes.Contains(key))
                return (attributes, $"'{InventoryBounds.Excerpt(key)}' in '{text}' is not a known attribute (use C, ST, L, O, OU, CN, emailAddress, DC, serialNumber)");
            if (value.Length == 0)
                return (attributes, $"{key} in '{text}' has an empty value");
            if (key == "C" && (value.Length != 2 || !value.All(char.IsAsciiLetter)))
                return (attributes, $"C={InventoryBounds.Excerpt(value)} in '{text}' must be a two-letter country code");
            var length = value.EnumerateRunes().Count();
            if (_maximumLength.TryGetValue(key, out var maximum) && length > maximum)
                return (attributes, $"{key} in '{text}' is {length.ToString(CultureInfo.InvariantCulture)} characters long; at most {maximum.ToString(CultureInfo.InvariantCulture)} (X.520), or OpenSSL cannot load the certificate");
            attributes.Add((key, value));
        }
        return (attributes, null);
    }
}
