using Org.BouncyCastle.X509;
using PemCertState.Crypto;

namespace PemCertState.Inventory;

/// <summary>
/// Resolves and checks the trusted CA section: the certificate bundle and the CRL are read here, at load time,
/// so that `pemstate validate` already says "ca.crl is issued by X, which is not in ca.certificate" with a line
/// number, and nothing downstream has to handle an unreadable CA file.
/// </summary>
internal static class TrustedCa
{
    public const string None = "none";

    /// <summary>The largest certificate bundle or CRL file read.</summary>
    public const int MaximumFileBytes = 64 * 1024 * 1024;

    public static TrustedCaSpec? Resolve(InventoryRules rules, string subject)
    {
        if (rules.String("/ca/certificate") is not { } certificateText || rules.String("/ca/crl") is not { } crlText)
            return null; // the schema reported the missing key

        var certificatePath = rules.LocalPath(certificateText);
        var bundle = ReadBundle(rules, certificatePath);
        string? crlPath = null;
        IReadOnlyList<X509Crl> crls = [];
        if (crlText != None)
        {
            crlPath = rules.LocalPath(crlText);
            crls = ReadCrls(rules, crlPath, bundle);
        }

        string? issuer = null;
        if (subject.Length > 0)
        {
            issuer = subject;
            if (bundle.Count > 0 && !bundle.Any(c => DistinguishedNames.Format(c.SubjectDN) == subject))
                rules.ErrorAtValue("/ca/subject",
                    $"ca.subject: {subject} is not the subject of a certificate in {certificateText} " +
                    $"(it holds {DistinguishedNames.Subjects(bundle)}); " +
                    "with source: trusted, subject names the CA that signs the leaves, or leave it out");
        }

        return new TrustedCaSpec(
            certificatePath, bundle, crlPath, crls, issuer,
            rules.LocalPath(rules.String("/ca/requests_dir") ?? "csr"),
            rules.LocalPath(rules.String("/ca/signed_dir") ?? "signed"));
    }

    private static IReadOnlyList<X509Certificate> ReadBundle(InventoryRules rules, string path)
    {
        if (Read(rules, "/ca/certificate", path) is not { } bytes) return [];
        var bundle = PemCodec.DecodeCertificates(bytes);
        if (bundle.Count == 0)
        {
            rules.ErrorAtValue("/ca/certificate", $"ca.certificate: {path} holds no PEM certificate");
            return [];
        }
        foreach (var certificate in bundle.Where(c => c.GetBasicConstraints() < 0))
            rules.ErrorAtValue("/ca/certificate",
                $"ca.certificate: {DistinguishedNames.Format(certificate.SubjectDN)} in {path} is not a CA certificate (no CA:TRUE); " +
                "give the CA's certificate (root and intermediates), not a server certificate");
        if (!bundle.Any(c => c.SubjectDN.Equivalent(c.IssuerDN)))
            rules.ErrorAtValue("/ca/certificate",
                $"ca.certificate: {path} holds no self-signed root; add the root CA after the intermediates, root.crt must hold the whole chain");
        return bundle;
    }

    private static IReadOnlyList<X509Crl> ReadCrls(InventoryRules rules, string path, IReadOnlyList<X509Certificate> bundle)
    {
        if (Read(rules, "/ca/crl", path) is not { } bytes) return [];
        var crls = new List<X509Crl>();
        var blocks = PemBlocks.Decode(bytes);
        if (blocks.Count == 0 && PemCodec.DecodeCrl(bytes) is { } der) crls.Add(der);
        foreach (var block in blocks.Where(b => b.Label == "X509 CRL"))
            if (PemCodec.DecodeCrl(System.Text.Encoding.ASCII.GetBytes(PemBlocks.Encode(block.Label, block.Der))) is { } crl) crls.Add(crl);
        if (crls.Count == 0)
        {
            rules.ErrorAtValue("/ca/crl", $"ca.crl: {path} is not a CRL (PEM or DER); write none if the CA gives no CRL");
            return [];
        }
        if (bundle.Count == 0) return crls;
        foreach (var crl in crls.Where(crl => !bundle.Any(c => c.SubjectDN.Equivalent(crl.IssuerDN) && ChainCheck.Signs(c, crl))))
            rules.ErrorAtValue("/ca/crl",
                $"ca.crl: {path} holds a CRL issued by {DistinguishedNames.Format(crl.IssuerDN)}, not by a CA in ca.certificate; " +
                "PostgreSQL would reject every agent login with 'unknown ca'. Give the trusted CA's CRL, or none");
        // PostgreSQL checks revocation for every CA in the chain: one without its CRL fails every login.
        foreach (var ca in bundle.Where(ca => !crls.Any(crl => ca.SubjectDN.Equivalent(crl.IssuerDN) && ChainCheck.Signs(ca, crl))))
            rules.ErrorAtValue("/ca/crl",
                $"ca.crl: {path} has no CRL from {DistinguishedNames.Format(ca.SubjectDN)}; PostgreSQL checks the CRL of every CA in root.crt " +
                "and would reject every agent. Put each CA's CRL in the file (cat root.crl intermediate.crl), or write none");
        return crls;
    }

    private static byte[]? Read(InventoryRules rules, string at, string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            // A CA bundle is kilobytes and a large CA's CRL some megabytes; a bigger file is a wrong path (a disk image,
            // /dev/zero), not something to read whole into memory.
            if (!stream.CanSeek || stream.Length > MaximumFileBytes)
            {
                rules.ErrorAtValue(at, $"{at[1..].Replace('/', '.')}: {path} is {(stream.CanSeek ? stream.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes" : "not a regular file")}; at most {MaximumFileBytes} bytes (64 MiB)");
                return null;
            }
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            rules.ErrorAtValue(at, $"{at[1..].Replace('/', '.')}: cannot read {path}: {e.Message}");
            return null;
        }
    }
}
