using System.Security.Cryptography.X509Certificates;
using PemCertState.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Database;

/// <summary>
/// The CA certificates the PEM database server's certificate is verified against (server.database with verify-ca or
/// verify-full), and where they came from, for messages. Built by <see cref="Resolve"/> from what was read on the
/// server; every connection to the database takes one, so that observation, discovery, apply and verify trust alike.
/// </summary>
/// <param name="Anchors">Trusted as roots; intermediates among them also help build the chain.</param>
/// <param name="Source">The files the anchors came from ("/data/root.crt"), as a person would look for them.</param>
/// <param name="Problem">Why nothing can be verified (no CA known yet); a connection that must verify refuses with it.</param>
public sealed record ServerTrust(IReadOnlyList<X509Certificate2> Anchors, string Source, string? Problem = null)
{
    /// <summary>For a connection that verifies nothing: a unix socket, or a weaker sslmode the inventory asks for.</summary>
    public static readonly ServerTrust NotNeeded = new([], "no verification");

    /// <summary>
    /// server.database.sslrootcert when it is set (read now: it may have been replaced since the inventory was
    /// loaded); otherwise <paramref name="onServer"/> (root.crt and ca_certificate.crt as read from the data dir,
    /// which during a CA rotation hold the old and the new CA) plus the trusted CA's bundle. Reads only sslrootcert.
    /// </summary>
    public static ServerTrust Resolve(DesiredState desired, IEnumerable<Org.BouncyCastle.X509.X509Certificate> onServer)
    {
        if (desired.Server.Database is not { Verifies: true } spec) return NotNeeded;
        if (spec.SslRootCert is { } path) return FromFile(path);

        var rootCrt = PemFiles.InDataDir(desired.Server, PemFiles.RootBundle);
        var certificates = onServer.ToList();
        var source = rootCrt;
        if (desired.Ca.Trusted is { } trusted)
        {
            certificates.AddRange(trusted.Bundle);
            source += $" and {trusted.CertificatePath}";
        }
        var anchors = Load(certificates);
        return anchors.Count > 0
            ? new ServerTrust(anchors, source)
            : new ServerTrust([], source,
                $"no CA to verify the server's certificate with: {rootCrt} and {PemFiles.CaCertificate} are missing or hold no certificate " +
                "(PEM's SSL set-up not done yet?); set server.database.sslrootcert to the CA that signed the server's certificate, " +
                "or sslmode: require to log in without verifying it (plan warns)");
    }

    private static ServerTrust FromFile(string path)
    {
        try
        {
            var anchors = Load(PemCodec.DecodeCertificates(File.ReadAllBytes(path)));
            return anchors.Count > 0 ? new ServerTrust(anchors, path) : new ServerTrust([], path, $"server.database.sslrootcert {path} holds no PEM certificate");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ServerTrust([], path, $"cannot read server.database.sslrootcert {path}: {e.Message}");
        }
    }

    private static List<X509Certificate2> Load(IEnumerable<Org.BouncyCastle.X509.X509Certificate> certificates) =>
        certificates.Select(c => c.GetEncoded()).DistinctBy(der => Fingerprints.Sha256Hex(der)).Select(der => X509CertificateLoader.LoadCertificate(der)).ToList();
}
