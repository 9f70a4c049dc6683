namespace PemCertState.Inventory;

/// <summary>
/// The inventory's own check of OpenSSL-style subjects ("/C=IN/O=PEM/CN=pem-ca"), so the loader does not
/// depend on the Crypto stage. "\/" escapes a slash inside a value.
/// </summary>
internal static class DistinguishedNameSyntax
{
    private static readonly HashSet<string> _attributes =
        new(["C", "ST", "L", "O", "OU", "CN", "emailAddress", "DC", "serialNumber"], StringComparer.Ordinal);

    /// <summary>The attributes in order, or the reason the text is not a subject.</summary>
    public static (IReadOnlyList<(string Key, string Value)> Attributes, string? Error) Parse(string text)
    {
        var attributes = new List<(string, string)>();
        if (!text.StartsWith('/'))
            return (attributes, $"'{text}' must start with '/' (OpenSSL form, e.g. /C=IN/O=PEM/CN=pem-ca)");

        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                if (i + 1 == text.Length)
                    return (attributes, $"'{text}' ends with a lone '\\'");
                current.Append(text[++i]);
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
                return (attributes, $"'{part}' in '{text}' is not of the form key=value");
            var key = part[..equals];
            var value = part[(equals + 1)..];
            if (!_attributes.Contains(key))
                return (attributes, $"'{key}' in '{text}' is not a known attribute (use C, ST, L, O, OU, CN, emailAddress, DC, serialNumber)");
            if (value.Length == 0)
                return (attributes, $"{key} in '{text}' has an empty value");
            if (key == "C" && (value.Length != 2 || !value.All(char.IsAsciiLetter)))
                return (attributes, $"C={value} in '{text}' must be a two-letter country code");
            attributes.Add((key, value));
        }
        return (attributes, null);
    }
}
