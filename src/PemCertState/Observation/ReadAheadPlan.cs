using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>
/// What an observation reads on each host, from the inventory alone, so that each host can be asked for all of it in one
/// round trip (<see cref="IHost.ReadAhead"/>): a no-op over SSH then costs one remote command per host. It is a promise
/// about speed only: a path missing here is read on its own, and one read for nothing costs a few bytes. Reads that depend
/// on what was found (include files, backup sets, retiring agents) are not guessed.
/// </summary>
internal static class ReadAheadPlan
{
    public static IEnumerable<(string Host, IReadOnlyList<(string Path, long Limit)> Files, IReadOnlyList<string> Folders)> For(DesiredState desired)
    {
        var files = new Dictionary<string, List<(string, long)>>(StringComparer.Ordinal);
        var folders = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void File(string host, string path, long limit = FileLimits.Managed)
        {
            if (!files.TryGetValue(host, out var list)) files[host] = list = [];
            list.Add((path, limit));
        }

        var server = desired.Server;
        foreach (var name in new[] { PemFiles.CaKey, PemFiles.CaCertificate, PemFiles.RootBundle, PemFiles.RootCrl,
                     PemFiles.ServerKey, PemFiles.ServerCertificate, PemFiles.PostgresqlConf, SettingSource.AutoConf })
            File(server.Host, PemFiles.InDataDir(server, name));
        foreach (var state in new[] { State.StateFiles.Journal(server), State.StateFiles.LegacyJournal(server), State.StateFiles.Loaded(server),
                     AgentLedger.PathFor(server), AgentLedger.LegacyPathFor(server) })
            File(server.Host, state, FileLimits.State);
        File(server.Host, AgentLedger.LegacyPathFor(server));
        File(server.Host, State.StateFiles.Lock(server));
        File(server.Host, State.StateFiles.LegacyLock(server));
        File(server.Host, PendingFiles.ServerKey(server));
        if (server.LegacyBackupDir is { } legacy) folders[server.Host] = [legacy];

        var agents = desired.Agents;
        var other = agents with { User = agents.User == AgentUserMode.Common ? AgentUserMode.PerAgent : AgentUserMode.Common };
        foreach (var agent in agents.List)
        {
            File(agent.Host, PemFiles.AgentKey(agents, agent));
            File(agent.Host, PemFiles.AgentCertificate(agents, agent));
            File(agent.Host, agent.Config);
            File(agent.Host, PemFiles.AgentKey(other, agent));
            File(agent.Host, PemFiles.AgentCertificate(other, agent));
            File(agent.Host, PendingFiles.AgentKey(agents, agent)); // a trusted CA's, or its leftover once back on PEM's own
        }
        if (desired.Web is { } web)
        {
            File(web.Host, web.KeyFile);
            File(web.Host, web.CertificateFile);
            File(web.Host, web.Config);
            if (web.ChainFile is { } chain) File(web.Host, chain);
            File(web.Host, PendingFiles.WebKey(web));
        }
        foreach (var host in files.Keys.Union(folders.Keys))
            yield return (host, files.GetValueOrDefault(host) ?? [], folders.GetValueOrDefault(host) ?? []);
    }
}
