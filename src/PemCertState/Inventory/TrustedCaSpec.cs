using Org.BouncyCastle.X509;

namespace PemCertState.Inventory;

/// <summary>
/// ca.source: trusted. An external CA signs the certificate requests pemstate writes; its certificate (with
/// intermediates) becomes root.crt and its CRL root.crl. The files are on the machine that runs pemstate,
/// read and checked when the inventory is loaded, so that a wrong file is an inventory error with a line number.
/// </summary>
/// <param name="CertificatePath">Absolute path of ca.certificate.</param>
/// <param name="Bundle">Every certificate in ca.certificate, in file order: what root.crt must hold.</param>
/// <param name="CrlPath">Absolute path of ca.crl; null for <c>crl: none</c> (ssl_crl_file is commented out).</param>
/// <param name="Crls">Every CRL in ca.crl, one per CA in the bundle (PostgreSQL checks the whole chain); empty for none.</param>
/// <param name="Issuer">ca.subject when given: the CA in the bundle that must sign every leaf; null: any CA in the bundle.</param>
/// <param name="RequestsDir">Absolute folder that receives the CSRs (default csr next to the inventory).</param>
/// <param name="SignedDir">Absolute folder the signed certificates are picked up from, under any name.</param>
public sealed record TrustedCaSpec(
    string CertificatePath,
    IReadOnlyList<X509Certificate> Bundle,
    string? CrlPath,
    IReadOnlyList<X509Crl> Crls,
    string? Issuer,
    string RequestsDir,
    string SignedDir)
{
    /// <summary>root.crl as pemstate writes it (every CRL, PEM); null for crl: none.</summary>
    public string? CrlPem => CrlPath is null ? null : string.Concat(Crls.Select(Crypto.PemCodec.EncodeCrl));

    /// <summary>The CA certificates that are not self-signed: what follows the leaf in server.crt.</summary>
    public IReadOnlyList<X509Certificate> Intermediates =>
        [.. Bundle.Where(c => !c.SubjectDN.Equivalent(c.IssuerDN))];
}
