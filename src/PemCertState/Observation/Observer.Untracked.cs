using System.Globalization;
using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Observation;

internal sealed partial class Observer
{
    /// <summary>Backup sets looked at in each folder (the newest by name), and certificates in each set.</summary>
    private const int MaxSetsPerFolder = 64;
    private const int MaxCertificatesPerSet = 16;

    /// <summary>
    /// Certificates the managed CA may have signed for agents the ledger does not know (issue 20, item 7): every line of
    /// issued.jsonl and, while the ledger does not exist yet (revoke_removed just turned on), the agent certificates in the
    /// managed agents' backup folders. Only with agents.revoke_removed and PEM's own CA. Backup folders sit in the agents'
    /// cert_dirs, which their accounts may own: only plain names pemstate gives its sets and copies are read, links and other
    /// kinds of files are refused by the host and skipped, and the planner believes a copy only once the CA's signature verifies.
    /// </summary>
    private async Task<IReadOnlyList<FoundCertificate>> ObserveUntrackedAsync(DesiredState desired, ObservedLedger? ledger, CancellationToken ct)
    {
        if (!desired.Agents.RevokeRemoved || desired.Ca.Trusted is not null) return [];
        var found = new List<FoundCertificate>();
        var server = hosts[desired.Server.Host];
        var record = await server.ReadAsync(IssuanceRecordFormat.PathFor(desired.Server), FileLimits.State, ct).ConfigureAwait(false);
        if (record.Exists)
            found.AddRange(IssuanceRecordFormat.Read(record.Content).Where(r => r.Address.Kind != ResourceKind.Ca).Select(r =>
                new FoundCertificate(r.Certificate, $"{IssuanceRecordFormat.FileName} ({r.Address}, issued {r.Time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)})")));
        if (ledger is null || ledger.File.Exists) return found;

        foreach (var (hostName, folder) in desired.Agents.List.Select(a => (a.Host, PemFiles.AgentBackupDir(a))).Distinct())
        {
            var host = hosts[hostName];
            try
            {
                var sets = (await host.ListAsync(folder, ct).ConfigureAwait(false)).Where(BackupManifestReader.IsBackupId)
                    .Order(StringComparer.Ordinal).TakeLast(MaxSetsPerFolder).ToList();
                foreach (var set in sets)
                {
                    var names = (await host.ListAsync(Path.Combine(folder, set), ct).ConfigureAwait(false))
                        .Where(n => n.StartsWith("agent", StringComparison.Ordinal) && n.EndsWith(".crt", StringComparison.Ordinal) && !n.Contains('/', StringComparison.Ordinal))
                        .Take(MaxCertificatesPerSet);
                    foreach (var name in names)
                    {
                        var path = Path.Combine(folder, set, name);
                        FileSnapshot copy;
                        try { copy = await host.ReadAsync(path, ct).ConfigureAwait(false); }
                        catch (HostOperationException) { continue; }
                        if (copy.Exists && Crypto.PemCodec.DecodeCertificates(copy.Content) is [var certificate, ..])
                            found.Add(new FoundCertificate(certificate, $"{hostName}:{path}"));
                    }
                }
            }
            catch (HostOperationException)
            {
                // A backup folder that cannot be listed holds nothing this warning can name.
            }
        }
        return found;
    }
}
