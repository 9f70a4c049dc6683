using Org.BouncyCastle.X509;
using PemCertState.Crypto;

namespace PemCertState.Planning;

/// <summary>What the CAs in root.crt (or ca.certificate) vouch for: one answer for the plan, verify and the trusted preflight.</summary>
internal static class TrustAnchors
{
    /// <summary>Whether one of <paramref name="cas"/> issued and signed <paramref name="crl"/>; PostgreSQL fails every login
    /// with 'unknown ca' on a CRL from any other CA.</summary>
    public static bool IssuedCrl(IEnumerable<X509Certificate> cas, X509Crl crl) =>
        cas.Any(ca => ca.SubjectDN.Equivalent(crl.IssuerDN) && ChainCheck.Signs(ca, crl));
}
