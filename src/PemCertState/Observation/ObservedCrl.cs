using Org.BouncyCastle.X509;

namespace PemCertState.Observation;

/// <summary>root.crl: its first CRL, and every CRL in it (one per trusted CA during a CA rotation).</summary>
public sealed record ObservedCrl(FileFacts File, X509Crl? Crl, IReadOnlyList<X509Crl>? All = null)
{
    public IReadOnlyList<X509Crl> All { get; } = All ?? (Crl is null ? [] : [Crl]);
}
