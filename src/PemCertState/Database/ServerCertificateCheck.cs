using System.Security.Cryptography.X509Certificates;
using PemCertState.Crypto;

namespace PemCertState.Database;

/// <summary>
/// libpq's verify-ca and verify-full, done by .NET: a chain from the server's certificate to one of the
/// <see cref="ServerTrust.Anchors"/> (custom root trust only, never the machine's store), and for verify-full the
/// host name in the certificate. Runs inside the TLS handshake, before PostgreSQL sees a user name or a password.
/// </summary>
internal static class ServerCertificateCheck
{
    /// <summary>Why the certificate is refused, in words for the error message; null when it passes.</summary>
    /// <param name="sentAlong">Intermediates the server sent with its certificate.</param>
    public static string? Problem(X509Certificate2 presented, IEnumerable<X509Certificate2> sentAlong, ServerTrust trust, string host, bool checkHost)
    {
        if (trust.Problem is { } none) return none;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust.Anchors.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(trust.Anchors.Concat(sentAlong).ToArray());
        // libpq checks no revocation for the server's certificate unless sslcrl is given; pemstate gives none.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(presented))
        {
            var reasons = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Select(s => s.StatusInformation.Trim().TrimEnd('.')).Where(s => s.Length > 0).Distinct().ToList();
            return $"the server's certificate ({presented.Subject}, issued by {presented.Issuer}) is not signed by a CA in {trust.Source}: " +
                (reasons.Count > 0 ? string.Join("; ", reasons) : "no chain to a trusted CA");
        }
        if (checkHost && !presented.MatchesHostname(host, allowWildcards: true, allowCommonName: true))
        {
            var names = SubjectAltNames.Of(new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(presented.RawData));
            var holds = names.Count > 0 ? $"subjectAltName {string.Join(", ", names)}" : presented.Subject;
            return $"the server's certificate ({holds}) is not for {host} (sslmode verify-full checks the host name; " +
                "connect with a name the certificate holds, or use sslmode: verify-ca)";
        }
        return null;
    }
}
