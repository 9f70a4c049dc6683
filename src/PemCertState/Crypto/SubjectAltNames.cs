using System.Net;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>The names a TLS client matches a server certificate against, in the form the inventory uses.</summary>
internal static class SubjectAltNames
{
    /// <summary>dNSName entries lower case, iPAddress entries in canonical text ("10.0.0.5", "::1"); other kinds left out.</summary>
    public static IReadOnlyList<string> Of(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.GetExtensionValue(X509Extensions.SubjectAlternativeName);
        if (extension is null) return [];
        var names = new List<string>();
        foreach (var name in GeneralNames.GetInstance(Asn1Object.FromByteArray(extension.GetOctets())).GetNames())
        {
            if (name.TagNo == GeneralName.DnsName)
                names.Add(DerIA5String.GetInstance(name.Name).GetString().ToLowerInvariant());
            else if (name.TagNo == GeneralName.IPAddress)
                names.Add(new IPAddress(Asn1OctetString.GetInstance(name.Name).GetOctets()).ToString());
        }
        return names;
    }

    /// <summary>True when the certificate may serve TLS: no extendedKeyUsage at all, or one with serverAuth.</summary>
    public static bool AllowsServerAuth(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var usages = certificate.GetExtendedKeyUsage();
        return usages is null || usages.Any(u => u.Equals(KeyPurposeID.id_kp_serverAuth) || u.Equals(KeyPurposeID.AnyExtendedKeyUsage));
    }
}
