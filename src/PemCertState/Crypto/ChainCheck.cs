using System.Runtime.CompilerServices;
using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>
/// Builds a chain from a certificate to the trust anchors in root.crt the way `openssl verify
/// -CAfile root.crt` does (issuer by name and signature, validity of every link, CA:TRUE on every
/// issuer) and returns openssl's wording for the first failure, or null when the chain holds.
/// </summary>
internal static class ChainCheck
{
    public static string? Problem(X509Certificate certificate, IReadOnlyList<X509Certificate> anchors, DateTimeOffset now)
    {
        var current = certificate;
        for (var depth = 0; depth < 10; depth++)
        {
            var at = now.UtcDateTime;
            if (current.NotAfter < at) return depth == 0 ? "certificate has expired" : "issuer certificate has expired";
            if (current.NotBefore > at) return "certificate is not yet valid";
            if (anchors.Any(a => a.Equals(current))) return null;

            var issuer = anchors.FirstOrDefault(a => a.SubjectDN.Equivalent(current.IssuerDN) && Signs(a, current));
            if (issuer is null)
                return current.IssuerDN.Equivalent(current.SubjectDN) && Signs(current, current)
                    ? "self-signed certificate (not in root.crt)"
                    : "unable to get local issuer certificate";
            if (issuer.GetBasicConstraints() < 0) return "invalid CA certificate";
            current = issuer;
        }
        return "certificate chain too long";
    }

    /// <summary>
    /// The last verdict on each certificate object, with the issuer object it was checked against. Certificate
    /// objects do not change, so a verdict holds for as long as both objects live (the table holds neither).
    /// </summary>
    private static readonly ConditionalWeakTable<X509Certificate, Verdict> Verdicts = [];

    private sealed record Verdict(X509Certificate Issuer, bool Holds);

    /// <summary>Below this many certificates a prefetch is not worth the threads.</summary>
    internal const int PrefetchThreshold = 64;

    /// <summary>
    /// Checks many certificates against one issuer on every core and keeps the verdicts, so that a single-threaded
    /// caller (the planner walking 10,000 agents) then finds them instead of verifying one signature after another.
    /// Checks nothing for fewer than <see cref="PrefetchThreshold"/> certificates.
    /// </summary>
    public static void Prefetch(IReadOnlyCollection<X509Certificate> certificates, X509Certificate issuer)
    {
        if (certificates.Count < PrefetchThreshold) return;
        Parallel.ForEach(certificates, certificate => Signs(issuer, certificate));
    }

    public static bool Signs(X509Certificate issuer, X509Certificate certificate)
    {
        if (Verdicts.TryGetValue(certificate, out var known) && ReferenceEquals(known.Issuer, issuer))
            return known.Holds;
        var holds = Check(issuer, certificate);
        Verdicts.AddOrUpdate(certificate, new Verdict(issuer, holds));
        return holds;
    }

    private static bool Check(X509Certificate issuer, X509Certificate certificate)
    {
        // The platform (OpenSSL) with the issuer's key imported once; BouncyCastle for what it does not handle.
        if (Crypto.PlatformVerifier.Verifies(certificate, issuer) is { } verdict)
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
