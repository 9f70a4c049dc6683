using Org.BouncyCastle.X509;

namespace PemCertState.Planning;

/// <summary>PEM's own CA as the rest of the plan sees it: replaced in this apply, or the observed one kept.</summary>
/// <param name="Previous">During a rotation: the CA being replaced, still valid and still trusted until phase 3.</param>
internal sealed record CaView(bool Replaced, X509Certificate? Kept, string Subject, bool New = false, X509Certificate? Previous = null)
{
    /// <summary>The CRLs in root.crl: a kept CA's leaf on one of them is revoked, and is issued again.</summary>
    public IReadOnlyList<X509Crl> Crls { get; init; } = [];

    /// <summary>When the CA that signs this plan's leaves expires: the kept one's notAfter, or a new one's (now + ca.validity).
    /// A leaf is never issued past it.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>Leaves inside their renewal window that already end when the CA does: re-issuing them cannot make them last
    /// longer, so they are left for the CA's own renewal (one warning names them), never re-issued run after run.</summary>
    public SortedSet<string> EndsWithCa { get; } = new(StringComparer.Ordinal);

    /// <summary>Why everything the CA signs must be written again.</summary>
    public string Change => New ? "a new CA is created" : "the CA is being replaced";
}
