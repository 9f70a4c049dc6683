using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// What a trusted CA's files look like where plan, verify and apply all read them: the bundle entry that stands for
/// ca.certificate's certificates during a rotation, and the intermediates a web certificate_file carries after the leaf.
/// How the trusted CA issues is <see cref="TrustedIssuer"/>'s.
/// </summary>
internal static class TrustedCaPlanner
{
    /// <summary>Bundle entry for ca.certificate's certificates (WriteBundle) or ca.crl's CRLs (WriteCrl) during a rotation.</summary>
    internal const string TrustedBundleEntry = "trusted";

    /// <summary>
    /// What follows the leaf in certificate_file: the intermediates, so that a client trusting only the root builds the
    /// chain (NGINX sends the whole file; so does Apache 2.4.8+). Nothing when Apache's chain_file carries them instead.
    /// </summary>
    internal static IReadOnlyList<X509Certificate> AfterLeaf(WebSpec web, TrustedCaSpec trusted) =>
        web.ChainFile is not null && web.Server == WebServerKind.Apache ? [] : trusted.Intermediates;

    /// <summary>The intermediates certificate_file should carry after the leaf and does not, named; null when it carries them.</summary>
    internal static string? MissingIntermediates(WebSpec web, ObservedWeb seen, TrustedCaSpec trusted)
    {
        var want = AfterLeaf(web, trusted);
        var missing = want.Where(c => !seen.AfterLeaf.Contains(c)).ToList();
        return missing.Count == 0 ? null : DistinguishedNames.Subjects(missing);
    }
}
