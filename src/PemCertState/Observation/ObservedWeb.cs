using PemCertState.Configuration;

namespace PemCertState.Observation;

/// <summary>The web server's key, certificate, chain file (when the inventory names one) and PEM's block in its config.</summary>
/// <param name="Chain">Null when web.chain_file is not set.</param>
/// <param name="Settings">The certificate directives inside PEM's block, or why no block could be taken as PEM's.</param>
public sealed record ObservedWeb(ObservedKey Key, ObservedCertificate Certificate, ObservedBundle? Chain, FileFacts Config, WebConfigRead Settings)
{
    /// <summary>The certificates after the leaf in certificate_file (the intermediates a server sends); empty when it holds the leaf alone.</summary>
    public IReadOnlyList<Org.BouncyCastle.X509.X509Certificate> AfterLeaf { get; init; } = [];
}
