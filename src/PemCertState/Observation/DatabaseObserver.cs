using PemCertState.Crypto;
using PemCertState.Database;
using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>Reads the PEM database's side of the desired state. Read only; a database that does not answer is a fact, not a failure.</summary>
internal static class DatabaseObserver
{
    public static async Task<ObservedDatabase> ObserveAsync(DesiredState desired, DatabaseSpec spec, ServerTrust trust, CancellationToken cancellationToken)
    {
        try
        {
            await using var database = await PemDatabase.OpenAsync(spec, trust, cancellationToken).ConfigureAwait(false);
            var effective = await database.EffectiveSettingsAsync(cancellationToken).ConfigureAwait(false);
            var contexts = await database.SettingContextsAsync(cancellationToken).ConfigureAwait(false);
            var sources = await database.SettingSourcesAsync(cancellationToken).ConfigureAwait(false);
            var roles = await database.RolesAsync(AgentRoles(desired.Agents), cancellationToken).ConfigureAwait(false);
            var (role, mayReload) = await database.ReloadPrivilegeAsync(cancellationToken).ConfigureAwait(false);
            IReadOnlyList<HbaRule> hba = [];
            string? hbaError = null;
            try
            {
                hba = await database.HbaRulesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PemDatabaseException e)
            {
                // pg_hba_file_rules needs superuser or pg_read_all_settings; its absence must not hide the rest.
                hbaError = e.Message;
            }
            var presented = database.ServerCertificate is { } certificate
                ? Crypto.Fingerprints.Sha256Hex(certificate.RawData)
                : null;
            return new ObservedDatabase(spec.ToString(), true, null, effective, roles, hba, hbaError, presented)
            {
                RenewalJobEnabled = await database.RenewalJobEnabledAsync(cancellationToken).ConfigureAwait(false),
                Contexts = contexts,
                Sources = sources,
                Role = role,
                MayReload = mayReload,
            };
        }
        catch (PemDatabaseException e)
        {
            return ObservedDatabase.NotReached(spec.ToString(), e.Message, e.RefusedCertificateSha256);
        }
    }

    /// <summary>The trust for server.database from what observation read on the server: root.crt and ca_certificate.crt.</summary>
    public static ServerTrust Trust(DesiredState desired, ObservedServer server) => ServerTrust.Resolve(desired, CasOf(server));

    /// <summary>Every certificate in root.crt, and ca_certificate.crt, as observed.</summary>
    public static IEnumerable<Org.BouncyCastle.X509.X509Certificate> CasOf(ObservedServer server) =>
        server.Root.Certificates.Concat(server.CaCertificate.Certificate is { } ca ? [ca] : []);

    /// <summary>
    /// The trust for server.database as the server's files are now, for connections made outside observation
    /// (discovery, which runs before it; apply, whose own steps write root.crt). <paramref name="alsoTrusted"/>: the CAs
    /// observed before an apply, so that the server stays trusted while it still presents a certificate from the CA that
    /// root.crt no longer holds (the restart comes last). Reads nothing when the connection verifies nothing.
    /// </summary>
    public static async Task<ServerTrust> TrustAsync(DesiredState desired, IHost serverHost, IEnumerable<Org.BouncyCastle.X509.X509Certificate>? alsoTrusted, CancellationToken cancellationToken)
    {
        if (desired.Server.Database is not { Verifies: true, SslRootCert: null }) return ServerTrust.Resolve(desired, []);
        var root = serverHost.ReadAsync(PemFiles.InDataDir(desired.Server, PemFiles.RootBundle), cancellationToken);
        var ca = serverHost.ReadAsync(PemFiles.InDataDir(desired.Server, PemFiles.CaCertificate), cancellationToken);
        var seen = new List<Org.BouncyCastle.X509.X509Certificate>();
        foreach (var file in new[] { await root.ConfigureAwait(false), await ca.ConfigureAwait(false) })
            if (file.Exists) seen.AddRange(PemCodec.DecodeCertificates(file.Content));
        return ServerTrust.Resolve(desired, seen.Concat(alsoTrusted ?? []));
    }

    /// <summary>The roles agents log in as: agent&lt;ID&gt; each, or the one common user.</summary>
    public static IReadOnlyList<string> AgentRoles(AgentsSpec agents) =>
        agents.User == AgentUserMode.Common
            ? [agents.CommonUser]
            : [.. agents.List.Select(a => PemFiles.AgentUser(agents, a))];
}
