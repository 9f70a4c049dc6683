using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace PemCertState.Crypto;

/// <summary>OpenSSL's "/C=IN/ST=MH/O=PEM/CN=name" form, to and from X509Name.</summary>
/// <remarks>
/// Attribute names are matched case-insensitively and formatted in their canonical spelling.
/// "+" is an ordinary character here (no multi-valued RDNs).
/// </remarks>
internal static class DistinguishedNames
{
    private static readonly (string Name, DerObjectIdentifier Oid)[] Attributes =
    [
        ("C", X509Name.C),
        ("ST", X509Name.ST),
        ("L", X509Name.L),
        ("O", X509Name.O),
        ("OU", X509Name.OU),
        ("CN", X509Name.CN),
        ("emailAddress", X509Name.EmailAddress),
        ("DC", X509Name.DC),
        ("serialNumber", X509Name.SerialNumber),
    ];

    /// <summary>Null error when valid. Accepts C, ST, L, O, OU, CN, emailAddress, DC, serialNumber; C is two letters; no empty values; "\/" escapes a slash.</summary>
    public static bool TryParse(string openSslDn, out X509Name? name, out string? error)
    {
        name = null;
        error = Parse(openSslDn, out var oids, out var values);
        if (error is not null)
            return false;
        name = new X509Name(oids, values, OpenSslStringTypes.Instance);
        return true;
    }

    /// <exception cref="FormatException">The text is not a valid subject; the message says why.</exception>
    public static X509Name Parse(string openSslDn)
        => TryParse(openSslDn, out var name, out var error) ? name! : throw new FormatException(error);

    /// <summary>The same "/C=../CN=.." form, attribute order preserved, so that equal names format equally.</summary>
    /// <remarks>Attributes outside the known set appear as their dotted OID, as "1.2.3=value".</remarks>
    /// <summary>The certificates' subjects, as <see cref="Format"/> writes them, comma-separated: "/CN=a, /CN=b".</summary>
    public static string Subjects(IEnumerable<Org.BouncyCastle.X509.X509Certificate> certificates) =>
        string.Join(", ", certificates.Select(c => Format(c.SubjectDN)));

    public static string Format(X509Name name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var oids = name.GetOidList();
        var values = name.GetValueList();
        var text = new StringBuilder();
        for (var i = 0; i < oids.Count; i++)
        {
            text.Append('/').Append(ShortName(oids[i])).Append('=');
            var value = values[i];
            // BouncyCastle marks a decoded value starting with '#' as "\#" (its hex-encoding syntax).
            if (value.StartsWith("\\#", StringComparison.Ordinal))
                value = value[1..];
            foreach (var c in value)
            {
                if (c is '/' or '\\')
                    text.Append('\\');
                text.Append(c);
            }
        }
        return text.ToString();
    }

    private static string? Parse(string? openSslDn, out List<DerObjectIdentifier> oids, out List<string> values)
    {
        oids = [];
        values = [];
        if (string.IsNullOrWhiteSpace(openSslDn))
            return "subject is empty";
        if (openSslDn[0] != '/')
            return $"subject must start with '/', as in /C=IN/O=PEM/CN=name (got '{openSslDn}')";

        foreach (var part in SplitUnescaped(openSslDn[1..]))
        {
            if (part.Length == 0)
                continue; // "//" or a trailing "/", as openssl tolerates
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
                return $"'{part}' in subject is not attribute=value";
            var attribute = part[..equals].Trim();
            var value = part[(equals + 1)..];
            var known = Array.FindIndex(Attributes, a => string.Equals(a.Name, attribute, StringComparison.OrdinalIgnoreCase));
            if (known < 0)
                return $"unknown attribute '{attribute}' in subject";
            var (shortName, oid) = Attributes[known];
            if (value.Length == 0)
                return $"empty value for {shortName}";
            if (ValueError(shortName, value) is { } valueError)
                return valueError;
            oids.Add(oid);
            values.Add(value);
        }
        return oids.Count == 0 ? "subject is empty" : null;
    }

    private static string? ValueError(string shortName, string value) => shortName switch
    {
        "C" when value.Length != 2 || !value.All(char.IsAsciiLetter) => "C must be a two-letter country code",
        "serialNumber" when !value.All(IsPrintableStringChar) => "serialNumber may hold only letters, digits, spaces and '()+,-./:=?",
        "emailAddress" or "DC" when !value.All(char.IsAscii) => $"{shortName} must be ASCII",
        _ when value.Any(char.IsControl) => $"control character in {shortName}",
        _ => null,
    };

    /// <summary>Splits on "/" not preceded by a backslash; a backslash escapes the next character.</summary>
    private static List<string> SplitUnescaped(string text)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
                current.Append(text[++i]);
            else if (c == '/')
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
                current.Append(c);
        }
        parts.Add(current.ToString());
        return parts;
    }

    private static string ShortName(DerObjectIdentifier oid)
    {
        foreach (var (name, known) in Attributes)
            if (known.Equals(oid))
                return name;
        return oid.Id;
    }

    private static bool IsPrintableStringChar(char c)
        => char.IsAsciiLetterOrDigit(c) || " '()+,-./:=?".Contains(c, StringComparison.Ordinal);

    /// <summary>
    /// The string types openssl 3 writes by default: PrintableString for C and serialNumber,
    /// IA5String for emailAddress and DC (their ASN.1 definitions allow nothing else), UTF8String for the rest.
    /// Unlike BouncyCastle's default converter, a leading '#' is kept as text, not read as hex.
    /// </summary>
    private sealed class OpenSslStringTypes : X509NameEntryConverter
    {
        public static readonly OpenSslStringTypes Instance = new();

        public override Asn1Object GetConvertedValue(DerObjectIdentifier oid, string value)
        {
            if (oid.Equals(X509Name.C) || oid.Equals(X509Name.SerialNumber))
                return new DerPrintableString(value);
            if (oid.Equals(X509Name.EmailAddress) || oid.Equals(X509Name.DC))
                return new DerIA5String(value);
            return new DerUtf8String(value);
        }
    }
}
