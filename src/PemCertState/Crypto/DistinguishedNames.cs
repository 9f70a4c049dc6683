using Org.BouncyCastle.Asn1.X509;

namespace PemCertState.Crypto;

/// <summary>OpenSSL's "/C=IN/ST=MH/O=PEM/CN=name" form, to and from X509Name.</summary>
public static class DistinguishedNames
{
    /// <summary>Null error when valid. Accepts C, ST, L, O, OU, CN, emailAddress, DC, serialNumber; C is two letters; no empty values; "\/" escapes a slash.</summary>
    public static bool TryParse(string openSslDn, out X509Name? name, out string? error) => throw new NotImplementedException();

    public static X509Name Parse(string openSslDn) => throw new NotImplementedException();

    /// <summary>The same "/C=../CN=.." form, attribute order preserved, so that equal names format equally.</summary>
    public static string Format(X509Name name) => throw new NotImplementedException();
}
