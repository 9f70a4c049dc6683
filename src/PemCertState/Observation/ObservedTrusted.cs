using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>
/// The trusted CA's side of the observed state (ca.source: trusted): keys waiting for their certificates,
/// the requests written for them, what the CA has sent back, and PEM's own renewal job.
/// </summary>
/// <param name="PendingKeys">By the address of the certificate they are for (server.certificate, agent[7].certificate,
/// agents.common_certificate); only keys that exist are listed. Never render the key pairs.</param>
/// <param name="RequestKeys">Public-key fingerprint of each CSR in ca.requests_dir, by address; null for a file that is not a CSR.</param>
/// <param name="Signed">Every file in ca.signed_dir, by name.</param>
/// <param name="RenewalJobEnabled">'Check CA certificate expiry' in pem.job; null without server.database, an unreached
/// database, or no such job.</param>
public sealed record ObservedTrusted(
    IReadOnlyDictionary<ResourceAddress, ObservedKey> PendingKeys,
    IReadOnlyDictionary<ResourceAddress, string?> RequestKeys,
    IReadOnlyList<SignedFile> Signed,
    bool? RenewalJobEnabled)
{
    /// <summary>The requests in ca.requests_dir that exist, by path: the SHA-256 of each file, for a saved plan's fingerprint.</summary>
    public IReadOnlyDictionary<string, string> RequestFiles { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>ca.certificate and ca.crl as read now, by path (SHA-256): root.crt and root.crl are written from them.</summary>
    public IReadOnlyDictionary<string, string> CaFiles { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
