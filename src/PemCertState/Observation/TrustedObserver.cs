using PemCertState.Crypto;
using PemCertState.Database;
using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Planning;

namespace PemCertState.Observation;

/// <summary>
/// Reads the trusted CA's side (ca.source: trusted): pending keys on the hosts where they will live, the CSRs and
/// signed certificates in the folders beside the inventory (on this machine), and whether PEM's renewal job is on.
/// Read only, like <see cref="Observer"/>.
/// </summary>
internal static class TrustedObserver
{
    /// <param name="trust">What server.database is verified against; it waits for the server's files to be read.</param>
    public static async Task<ObservedTrusted> ObserveAsync(HostSet hosts, DesiredState desired, Task<ServerTrust> trust, CancellationToken cancellationToken)
    {
        var trusted = desired.Ca.Trusted;
        var agents = desired.Agents;
        var requestsDir = PendingFiles.RequestsDir(desired);
        var reads = new List<(ResourceAddress Address, string Request, Task<FileSnapshot> Key)>
        {
            (Addresses.ServerCertificate, PendingFiles.ServerRequest(requestsDir),
                hosts[desired.Server.Host].ReadAsync(PendingFiles.ServerKey(desired.Server), cancellationToken)),
        };
        foreach (var agent in agents.List)
        {
            var address = agents.User == AgentUserMode.Common ? Addresses.CommonAgentCertificate : Addresses.AgentCertificate(agent.Id);
            reads.Add((address, PendingFiles.AgentRequest(requestsDir, agents, agent), hosts[agent.Host].ReadAsync(PendingFiles.AgentKey(agents, agent), cancellationToken)));
        }
        if (desired.Web is { Issuer: WebIssuer.Trusted } web)
            reads.Add((Addresses.WebCertificate, PendingFiles.WebRequest(requestsDir), hosts[web.Host].ReadAsync(PendingFiles.WebKey(web), cancellationToken)));
        var job = RenewalJobAsync(desired.Server.Database, trust, cancellationToken);

        var pending = new Dictionary<ResourceAddress, ObservedKey>();
        var requests = new Dictionary<ResourceAddress, string?>();
        var requestFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (address, request, read) in reads)
        {
            var file = await read.ConfigureAwait(false);
            // Common mode: the first agent holding agent.key.pending has the one key.
            if (file.Exists && !pending.ContainsKey(address)) pending[address] = ReadKey(file);
            if (!requests.ContainsKey(address) && File.Exists(request))
            {
                var bytes = await File.ReadAllBytesAsync(request, cancellationToken).ConfigureAwait(false);
                requests[address] = CertificateRequests.PublicKeySha256(bytes);
                requestFiles[request] = Fingerprints.Sha256Hex(bytes);
            }
        }
        var caFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in new[] { trusted?.CertificatePath, trusted?.CrlPath }.OfType<string>())
            caFiles[path] = File.Exists(path) ? Fingerprints.Sha256Hex(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)) : "missing";
        return new ObservedTrusted(pending, requests, trusted is null ? [] : await ReadSignedAsync(trusted.SignedDir, cancellationToken).ConfigureAwait(false),
            await job.ConfigureAwait(false))
        {
            RequestFiles = requestFiles,
            CaFiles = caFiles,
        };
    }

    /// <summary>
    /// With ca.source: self-signed, whether a trusted CA may have left something behind (pending keys, requests, PEM's
    /// renewal job off): PEM's own CA is missing from the server (a trusted CA moved it away), a request is in the
    /// requests folder, or the server has a pending key. Only then are the agents' pending keys read, so that a fleet
    /// that never used a trusted CA pays one extra read on the server, not one per agent.
    /// </summary>
    public static async Task<bool> MayHaveLeftoversAsync(HostSet hosts, DesiredState desired, ObservedServer server, CancellationToken cancellationToken)
    {
        if (!server.CaKey.File.Exists || !server.CaCertificate.File.Exists) return true;
        var requestsDir = PendingFiles.RequestsDir(desired);
        if (Directory.Exists(requestsDir) && Directory.EnumerateFiles(requestsDir, "*.csr").Any()) return true;
        return (await hosts[desired.Server.Host].ReadAsync(PendingFiles.ServerKey(desired.Server), cancellationToken).ConfigureAwait(false)).Exists;
    }

    private static async Task<IReadOnlyList<SignedFile>> ReadSignedAsync(string folder, CancellationToken ct)
    {
        if (!Directory.Exists(folder)) return [];
        var files = new List<SignedFile>();
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            var bytes = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            var certificates = PemCodec.DecodeCertificates(bytes);
            if (certificates.Count == 0 && bytes.Length > 0 && bytes[0] == 0x30)
            {
                try { certificates = [new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(bytes)]; }
                catch (Exception e) when (e is not OutOfMemoryException) { certificates = []; }
            }
            files.Add(new SignedFile(path, certificates, certificates.Count > 0 ? CertificateSummary.From(certificates[0]) : null) { Sha256 = Fingerprints.Sha256Hex(bytes) });
        }
        return files;
    }

    private static async Task<bool?> RenewalJobAsync(DatabaseSpec? spec, Task<ServerTrust> trust, CancellationToken ct)
    {
        if (spec is null) return null;
        try
        {
            await using var database = await PemDatabase.OpenAsync(spec, await trust.ConfigureAwait(false), ct).ConfigureAwait(false);
            return await database.RenewalJobEnabledAsync(ct).ConfigureAwait(false);
        }
        catch (PemDatabaseException)
        {
            // DatabaseObserver reports an unreachable database; here it only means the job is not known.
            return null;
        }
    }

    private static ObservedKey ReadKey(FileSnapshot file) => ObservedKey.Read(file);
}
