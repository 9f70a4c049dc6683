using Org.BouncyCastle.X509;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// The web certificate with web.issuer: trusted. It is one more certificate the trusted CA signs, in the same two
/// phases: a pending key beside web.key_file and web.csr (with the subject alternative names) while it waits; then
/// the signed certificate, matched by public key and checked like the others plus its names, installed with what the
/// server kind needs to send the chain (the intermediates after the leaf in certificate_file, or in Apache's
/// chain_file), the directives in PEM's block, the config test and the reload. After the server's files, before the
/// agents, as with the managed CA.
/// </summary>
internal sealed partial class TrustedIssuer
{
    private Need? WebNeed() =>
        desired.Web is { Issuer: WebIssuer.Trusted } web && observed.Web is { } seen
            ? new Need(PairResource.Web(desired, web, seen), PendingFiles.WebKey(web), PendingFiles.WebRequest(_trusted))
            : null;

    /// <summary>Every name the inventory gives must be in the subjectAltName (browsers ignore the CN); names the CA added are fine.</summary>
    private static string? NamesProblem(X509Certificate leaf, Need need)
    {
        if (need.Names is not { } want) return null;
        var have = SubjectAltNames.Of(leaf);
        if (want.All(n => have.Contains(n, StringComparer.Ordinal))) return null;
        return have.Count == 0
            ? $"it has no subjectAltName, want {string.Join(", ", want)} (browsers ignore the CN)"
            : $"its names are {string.Join(", ", have)}, want {string.Join(", ", want)}";
    }

    public bool IssuesWeb(WebSpec web) => web.Issuer == WebIssuer.Trusted && WebVerdict is not null;

    private Verdict? WebVerdict => _byAddress.GetValueOrDefault(Addresses.WebCertificate);

    /// <summary>
    /// Apache's chain_file: the intermediates (the root when the CA has none), named by SSLCertificateChainFile. For a good
    /// certificate kept as it is, a word when certificate_file lacks the intermediates.
    /// </summary>
    public WebChain WebChain(WebSpec web, ObservedWeb seen, List<string> warnings)
    {
        if (WebVerdict!.State == State.Ok && TrustedCaPlanner.MissingIntermediates(web, seen, _trusted) is { } missing)
            warnings.Add($"{Path.GetFileName(web.CertificateFile)} holds the leaf without {missing}: a browser that trusts only the root cannot "
                + "build the chain. Append the intermediates to it (or set chain_file for Apache); pemstate installs them with the next signed certificate");
        var want = _trusted.Intermediates.Count > 0 ? _trusted.Intermediates : _trusted.Bundle;
        return new WebChain(want, $"the trusted CA's chain: {DistinguishedNames.Subjects(want)}", _trusted.CertificatePath, [.. want.Select(Sha256)]);
    }

    private static string Sha256(X509Certificate certificate) => CertificateSummary.From(certificate).Sha256;
}
