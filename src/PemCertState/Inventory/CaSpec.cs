namespace PemCertState.Inventory;

/// <summary>The CA that signs the server and agent certificates.</summary>
/// <param name="Subject">OpenSSL-style DN, e.g. "/C=IN/O=PEM/CN=pem-ca"; already validated.</param>
/// <param name="CrlValidity">How far ahead root.crl's nextUpdate is set when it is (re)signed.</param>
/// <param name="Trusted">Set exactly when <paramref name="Source"/> is <see cref="CaSource.Trusted"/>.</param>
public sealed record CaSpec(
    CaSource Source,
    string Subject,
    CertificatePolicy Policy,
    TimeSpan CrlValidity,
    TrustedCaSpec? Trusted = null)
{
    /// <summary>root.crl is this CA's to give: the self-signed CA always signs one, a trusted CA only when its crl is set (not crl: none).</summary>
    public bool GivesCrl => Trusted is null || Trusted.CrlPath is not null;
}
