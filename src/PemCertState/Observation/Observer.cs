using PemCertState.Configuration;
using PemCertState.Crypto;
using PemCertState.Facts;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.State;

namespace PemCertState.Observation;

/// <summary>
/// Reads what is true on the hosts. Read only; agents are read in parallel, <c>parallelism</c> (10) at once for
/// each host the agents live on: one host's reads are local syscalls, and an SSH host answers every read that
/// meets on it with one command, so 10 agents of each of 10 hosts in flight make 30-file batches instead of
/// 3-file ones.
/// </summary>
internal sealed partial class Observer(HostSet hosts, int parallelism = 10)
{
    public static readonly string[] AgentSettingNames = ["agent_id", "agent_user", "agent_ssl_key", "agent_ssl_crt"];

    public async Task<ObservedState> ObserveAsync(DesiredState desired, CancellationToken cancellationToken)
    {
        // Each host is asked for everything the inventory says will be read, in one round trip; what the reads below find is that batch.
        var ahead = ReadAheadPlan.For(desired).ToList();
        foreach (var (host, files, folders) in ahead) hosts[host].ReadAhead(files, folders);
        try
        {
            return await ObserveHostsAsync(desired, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (host, _, _) in ahead) hosts[host].ForgetReadAhead();
        }
    }

    private async Task<ObservedState> ObserveHostsAsync(DesiredState desired, CancellationToken cancellationToken)
    {
        var server = ObserveServerAsync(desired.Server, cancellationToken);
        var journal = ReadStateFileAsync(desired.Server, StateFiles.Journal(desired.Server), StateFiles.LegacyJournal(desired.Server), cancellationToken);
        var loaded = hosts[desired.Server.Host].ReadAsync(StateFiles.Loaded(desired.Server), FileLimits.State, cancellationToken);
        // The database is verified against the root.crt and ca_certificate.crt just read: it waits for them.
        var trust = TrustAsync(desired, server);
        var database = desired.Server.Database is { } spec
            ? ObserveDatabaseAsync(desired, spec, trust, cancellationToken)
            : Task.FromResult<ObservedDatabase?>(null)!;
        var trusted = desired.Ca.Trusted is not null ? TrustedObserver.ObserveAsync(hosts, desired, trust, cancellationToken) : null;
        var agents = new ObservedAgent[desired.Agents.List.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, agents.Length),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism * Math.Max(1, desired.Agents.List.Select(a => a.Host).Distinct().Count()), CancellationToken = cancellationToken },
            async (i, ct) => agents[i] = await ObserveAgentAsync(desired.Agents, desired.Agents.List[i], ct).ConfigureAwait(false))
            .ConfigureAwait(false);
        var ledger = ObserveLedgerAsync(desired, cancellationToken);
        var (journalFile, legacyJournal) = await journal.ConfigureAwait(false);
        var stateFolder = ObserveStateFolderAsync(desired, journalFile, legacyJournal, cancellationToken);
        // Back on PEM's own CA: what a trusted CA may have left (pending keys, requests, the renewal job it turned off).
        if (trusted is null && await TrustedObserver.MayHaveLeftoversAsync(hosts, desired, await server.ConfigureAwait(false), cancellationToken).ConfigureAwait(false))
            trusted = TrustedObserver.ObserveAsync(hosts, desired, trust, cancellationToken);
        var lastRun = (journalFile.Exists ? journalFile : legacyJournal) is { Exists: true } read ? JournalReader.Read(read.Content) : null;
        var observed = new ObservedState(await server.ConfigureAwait(false), agents.ToDictionary(a => a.Id), await database.ConfigureAwait(false),
            lastRun, desired.Web is { } web ? await ObserveWebAsync(web, cancellationToken).ConfigureAwait(false) : null)
        {
            Trusted = trusted is null ? null : await trusted.ConfigureAwait(false),
            Ledger = await ledger.ConfigureAwait(false),
            StateFolder = await stateFolder.ConfigureAwait(false),
            Loaded = await loaded.ConfigureAwait(false) is { Exists: true } records ? LoadedFilesFormat.Read(records.Content) : null,
        };
        var (leftovers, incomplete) = await ObserveLeftoversAsync(desired, observed.ManagedFiles(), lastRun, journalFile, cancellationToken).ConfigureAwait(false);
        observed = observed with
        {
            Leftovers = leftovers,
            IncompleteSets = incomplete,
            Untracked = await ObserveUntrackedAsync(desired, observed.Ledger, cancellationToken).ConfigureAwait(false),
        };
        return observed with { Signatures = Signatures(desired, observed) };
    }

    /// <summary>
    /// Every observed certificate against every CA certificate it may chain to (ca_certificate.crt, root.crt, the trusted
    /// CA's bundle, the web chain file), checked on every core now: the planner, verify and status then read facts, and a
    /// fleet's plan makes no signature check of its own.
    /// </summary>
    private static SignatureFacts Signatures(DesiredState desired, ObservedState observed)
    {
        var server = observed.Server;
        IEnumerable<Org.BouncyCastle.X509.X509Certificate?> issuers = [
            server.CaCertificate.Certificate, .. server.Root.Certificates, .. desired.Ca.Trusted?.Bundle ?? [], .. observed.Web?.Chain?.Certificates ?? []];
        IEnumerable<Org.BouncyCastle.X509.X509Certificate?> certificates = [
            server.CaCertificate.Certificate, server.Certificate.Certificate, .. server.Root.Certificates,
            .. observed.Agents.Values.Select(a => a.Certificate.Certificate), observed.Web?.Certificate.Certificate,
            .. observed.Trusted?.Signed.Select(f => f.Leaf) ?? [], .. observed.Untracked.Select(f => f.Certificate)];
        return SignatureFacts.Check(certificates.OfType<Org.BouncyCastle.X509.X509Certificate>(), issuers.OfType<Org.BouncyCastle.X509.X509Certificate>());
    }

    private static async Task<Database.ServerTrust> TrustAsync(DesiredState desired, Task<ObservedServer> server) =>
        DatabaseObserver.Trust(desired, await server.ConfigureAwait(false));

    private static async Task<ObservedDatabase> ObserveDatabaseAsync(DesiredState desired, DatabaseSpec spec, Task<Database.ServerTrust> trust, CancellationToken ct) =>
        await DatabaseObserver.ObserveAsync(desired, spec, await trust.ConfigureAwait(false), ct).ConfigureAwait(false);

    private async Task<ObservedServer> ObserveServerAsync(ServerSpec server, CancellationToken ct)
    {
        var host = hosts[server.Host];
        string At(string file) => PemFiles.InDataDir(server, file);
        var reads = new[]
        {
            PemFiles.CaKey, PemFiles.CaCertificate, PemFiles.RootBundle, PemFiles.RootCrl,
            PemFiles.ServerKey, PemFiles.ServerCertificate, PemFiles.PostgresqlConf,
        }.Select(f => host.ReadAsync(At(f), ct)).ToArray();
        var files = await Task.WhenAll(reads).ConfigureAwait(false);
        var (sources, included, notes) = await ObserveConfigChainAsync(server, files[6], ct).ConfigureAwait(false);
        return new ObservedServer(
            ReadKey(files[0]),
            ReadCertificate(files[1]),
            new ObservedBundle(FileFacts.From(files[2]), PemCodec.DecodeCertificates(files[2].Content)),
            CrlOf(files[3]),
            ReadKey(files[4]),
            ReadCertificate(files[5]),
            new ObservedConfig(FileFacts.From(files[6]), PostgresqlConf.Read(Text(files[6]), SslSettings.Names)))
        {
            Sources = sources,
            Included = included,
            ConfigNotes = notes,
        };
    }

    private async Task<ObservedAgent> ObserveAgentAsync(AgentsSpec agents, AgentSpec agent, CancellationToken ct)
    {
        var host = hosts[agent.Host];
        var paths = new[] { PemFiles.AgentKey(agents, agent), PemFiles.AgentCertificate(agents, agent), agent.Config };
        var reads = paths.Select(p => host.ReadAsync(p, ct)).ToArray();
        // Read with the agent's own files (one batch over SSH), and never a reason to hold the agent.
        var otherMode = ObserveOtherModeAsync(host, agents, agent, ct);
        FileSnapshot[] files;
        try
        {
            files = await Task.WhenAll(reads).ConfigureAwait(false);
        }
        catch (HostOperationException e) when (e.Host == agent.Host && paths.Contains(e.PathOnHost, StringComparer.Ordinal))
        {
            // One agent's refused or unreadable file (a FIFO, a link, no permission) is that agent's problem: the rest of
            // the fleet is still observed and planned. A host that cannot be reached at all fails every path, and stops here.
            var failed = reads.Where(r => r.IsFaulted).Select(r => r.Exception!.InnerException).OfType<HostOperationException>().First();
            await otherMode.ConfigureAwait(false);
            return new ObservedAgent(agent.Id,
                ReadKey(FileSnapshot.Missing(agent.Host, paths[0])),
                ReadCertificate(FileSnapshot.Missing(agent.Host, paths[1])),
                new ObservedConfig(FileFacts.From(FileSnapshot.Missing(agent.Host, paths[2])), AgentCfg.Read("", AgentSettingNames)),
                failed.Message);
        }
        return new ObservedAgent(
            agent.Id,
            ReadKey(files[0]),
            ReadCertificate(files[1]),
            new ObservedConfig(FileFacts.From(files[2]), AgentCfg.Read(Text(files[2]), AgentSettingNames)))
        {
            OtherMode = await otherMode.ConfigureAwait(false),
        };
    }

    private static ObservedCrl CrlOf(FileSnapshot file)
    {
        var all = file.Exists ? PemCodec.DecodeCrls(file.Content) : [];
        return new ObservedCrl(FileFacts.From(file), all.Count > 0 ? all[0] : null, all);
    }

    private static ObservedKey ReadKey(FileSnapshot file) => ObservedKey.Read(file);

    private static ObservedCertificate ReadCertificate(FileSnapshot file)
    {
        var certificate = file.Exists ? PemCodec.DecodeCertificates(file.Content).FirstOrDefault() : null;
        return new ObservedCertificate(FileFacts.From(file), certificate, certificate is null ? null : CertificateSummary.From(certificate));
    }

    private static string Text(FileSnapshot file) => file.Exists ? System.Text.Encoding.UTF8.GetString(file.Content) : "";
}
