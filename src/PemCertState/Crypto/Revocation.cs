using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>
/// Whether the CRLs the server loads (root.crl) revoke a certificate: one place for the planner, verify and status. A
/// revoked certificate chains, is unexpired and matches its key, and still fails every login ("certificate revoked").
/// </summary>
internal static class Revocation
{
    /// <summary>
    /// When <paramref name="certificate"/> was revoked, or null. Only a CRL from the certificate's own issuer counts: one
    /// whose issuer name is the certificate's issuer and whose signature one of <paramref name="issuers"/> (the CAs in
    /// root.crt) verifies; a CRL nobody can vouch for revokes nothing.
    /// </summary>
    public static DateTimeOffset? RevokedOn(X509Certificate certificate, IReadOnlyList<X509Crl> crls, IReadOnlyList<X509Certificate> issuers)
    {
        foreach (var crl in crls)
        {
            if (!crl.IssuerDN.Equivalent(certificate.IssuerDN)) continue;
            if (crl.GetRevokedCertificate(certificate.SerialNumber) is not { } entry) continue;
            if (issuers.Any(ca => ca.SubjectDN.Equivalent(crl.IssuerDN) && ChainCheck.Signs(ca, crl)))
                return new DateTimeOffset(DateTime.SpecifyKind(entry.RevocationDate, DateTimeKind.Utc));
        }
        return null;
    }
}
