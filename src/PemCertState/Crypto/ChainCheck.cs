using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>
/// Builds a chain from a certificate to the trust anchors in root.crt the way `openssl verify
/// -CAfile root.crt` does (issuer by name and signature, validity of every link, CA:TRUE on every
/// issuer) and returns openssl's wording for the first failure, or null when the chain holds.
/// </summary>
internal static class ChainCheck
{
    /// <param name="signatures">The verdicts observed; a pair it does not hold is checked now.</param>
    public static string? Problem(X509Certificate certificate, IReadOnlyList<X509Certificate> anchors, DateTimeOffset now, SignatureFacts signatures)
    {
        var current = certificate;
        for (var depth = 0; depth < 10; depth++)
        {
            var at = now.UtcDateTime;
            if (current.NotAfter < at) return depth == 0 ? "certificate has expired" : "issuer certificate has expired";
            if (current.NotBefore > at) return "certificate is not yet valid";
            if (anchors.Any(a => a.Equals(current))) return null;

            var issuer = anchors.FirstOrDefault(a => a.SubjectDN.Equivalent(current.IssuerDN) && signatures.Signs(a, current));
            if (issuer is null)
                return current.IssuerDN.Equivalent(current.SubjectDN) && signatures.Signs(current, current)
                    ? "self-signed certificate (not in root.crt)"
                    : "unable to get local issuer certificate";
            if (issuer.GetBasicConstraints() < 0) return "invalid CA certificate";
            current = issuer;
        }
        return "certificate chain too long";
    }

    /// <summary>
    /// Whether <paramref name="issuer"/>'s key signed <paramref name="certificate"/>, checked now: no verdict is kept here.
    /// <see cref="SignatureFacts"/> holds the verdicts observation worked out, on every core, for a plan to read.
    /// </summary>
    public static bool Verify(X509Certificate issuer, X509Certificate certificate, PlatformVerifier? platform = null)
    {
        // The platform (OpenSSL) with the issuer's key imported (once per verifier); BouncyCastle for what it does not handle.
        if ((platform ?? new PlatformVerifier()).Verifies(certificate, issuer) is { } verdict)
            return verdict;
        try
        {
            certificate.Verify(issuer.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException or Org.BouncyCastle.Security.InvalidKeyException or ArgumentException)
        {
            return false;
        }
    }

    public static bool Signs(X509Certificate issuer, X509Crl crl)
    {
        try
        {
            crl.Verify(issuer.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException or Org.BouncyCastle.Security.InvalidKeyException or ArgumentException)
        {
            return false;
        }
    }
}
