using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// One certificate file as every check judges it, with or without its key (status lists certificates alone): read or
/// not, the chain to given anchors, a CRL that revokes it, the CA that issued it. <see cref="PairAssessment"/> adds the key.
/// </summary>
internal sealed record CertificateAssessment(ObservedCertificate Certificate)
{
    public PairFile File => !Certificate.File.Exists ? PairFile.Missing : Certificate.Certificate is null ? PairFile.Unreadable : PairFile.Present;

    /// <summary>Why the certificate does not chain to <paramref name="anchors"/>; null when it does, or there is no certificate or anchor to judge.</summary>
    public string? ChainProblem(IReadOnlyList<X509Certificate> anchors, DateTimeOffset now, SignatureFacts signatures) =>
        Certificate.Certificate is { } certificate && anchors.Count > 0 ? signatures.ChainProblem(certificate, anchors, now) : null;

    /// <summary>When a CRL from one of <paramref name="issuers"/> revoked the certificate; null when none did.</summary>
    public DateTimeOffset? RevokedOn(IReadOnlyList<X509Crl> crls, IReadOnlyList<X509Certificate> issuers) =>
        Certificate.Certificate is { } certificate ? Revocation.RevokedOn(certificate, crls, issuers) : null;

    /// <summary>The CA among <paramref name="cas"/> that issued the certificate (by name and signature); null when none did.</summary>
    public X509Certificate? IssuerAmong(IEnumerable<X509Certificate> cas, SignatureFacts signatures) =>
        Certificate.Certificate is { } certificate
            ? cas.FirstOrDefault(ca => !ca.Equals(certificate) && ca.SubjectDN.Equivalent(certificate.IssuerDN) && signatures.Signs(ca, certificate))
            : null;

    /// <inheritdoc cref="UsageProblem(X509Certificate, LeafUsage)"/>
    public string? UsageProblem(LeafUsage usage) => Certificate.Certificate is { } certificate ? UsageProblem(certificate, usage) : null;

    /// <summary>
    /// Whether a leaf may do the job PostgreSQL gives it, whichever CA signed it: not CA:TRUE, a keyUsage with
    /// digitalSignature, an extendedKeyUsage (when it has one) with serverAuth for a server, clientAuth for an agent.
    /// </summary>
    public static string? UsageProblem(X509Certificate leaf, LeafUsage usage)
    {
        if (leaf.GetBasicConstraints() >= 0) return "certificate is a CA certificate (CA:TRUE), not a leaf";
        if (leaf.GetKeyUsage() is { } keyUsage && keyUsage.Length > 0 && !keyUsage[0]) return "key usage lacks digitalSignature";
        var purposes = leaf.GetExtendedKeyUsage();
        if (purposes is { Count: > 0 } && !purposes.Any(p => p.Equals(KeyPurposeID.AnyExtendedKeyUsage)))
        {
            var want = usage == LeafUsage.Server ? KeyPurposeID.id_kp_serverAuth : KeyPurposeID.id_kp_clientAuth;
            if (!purposes.Any(p => p.Equals(want)))
                return $"extended key usage lacks {(usage == LeafUsage.Server ? "serverAuth" : "clientAuth")}";
        }
        return null;
    }
}
