using PemCertState.Inventory;

namespace PemCertState.Observation;

internal sealed partial class Observer
{
    /// <summary>
    /// The agent ledger on the server and, with agents.revoke_removed, the key and certificate of every ledger agent
    /// that this run no longer manages (removed from the inventory, inactive in pem.agent), at the ledger's paths.
    /// </summary>
    private async Task<ObservedLedger> ObserveLedgerAsync(DesiredState desired, CancellationToken ct)
    {
        var (current, legacy) = await ReadStateFileAsync(desired.Server, AgentLedger.PathFor(desired.Server), AgentLedger.LegacyPathFor(desired.Server), ct).ConfigureAwait(false);
        // Until the next apply moves it, an older pemstate's ledger in data_dir is the one that knows who was issued what.
        var file = current.Exists || !legacy.Exists ? current : legacy;
        var (ledger, error) = file.Exists ? AgentLedger.Parse(file.Content) : (null, null);
        if (ledger is null || !desired.Agents.RevokeRemoved) return new ObservedLedger(FileFacts.From(file), ledger, error, []);

        var managed = desired.Agents.List.Select(a => a.Id).ToHashSet();
        var leaving = ledger.Agents.Where(e => !managed.Contains(e.Id) && !desired.Agents.LeftOut.Contains(e.Id)).ToList();
        var retiring = new ObservedRetiring[leaving.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, leaving.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct },
            async (i, token) =>
            {
                var entry = leaving[i];
                if (!desired.Hosts.ContainsKey(entry.Host))
                {
                    retiring[i] = new ObservedRetiring(entry, null, null);
                    return;
                }
                var host = hosts[entry.Host];
                if (LedgerEntryRules.PathProblem(desired.Agents, entry) is { } wrong)
                {
                    retiring[i] = new ObservedRetiring(entry, null, null, wrong);
                    return;
                }
                if (await LinkProblemAsync(host, entry, token).ConfigureAwait(false) is { } linked)
                {
                    retiring[i] = new ObservedRetiring(entry, null, null, linked);
                    return;
                }
                var key = host.ReadAsync(entry.Key, token);
                var certificate = host.ReadAsync(entry.Certificate, token);
                retiring[i] = new ObservedRetiring(entry, ReadKey(await key.ConfigureAwait(false)), ReadCertificate(await certificate.ConfigureAwait(false)));
            }).ConfigureAwait(false);
        return new ObservedLedger(FileFacts.From(file), ledger, error, retiring);
    }

    /// <summary>
    /// Null when neither the key, the certificate nor any folder above them is a symbolic link (their real paths are
    /// the paths themselves); else which one is. The agent's account owns its cert_dir: a `.pem -> /etc` link would
    /// otherwise have root back up and delete files elsewhere. One `realpath` on the host, local or over SSH.
    /// </summary>
    private static async Task<string?> LinkProblemAsync(Hosts.IHost host, LedgerEntry entry, CancellationToken ct)
    {
        Hosts.CommandResult result;
        try { result = await host.RunAsync($"realpath -m -- {Quote(entry.Key)} {Quote(entry.Certificate)} {Quote(entry.BackupDir)}", TimeSpan.FromSeconds(60), ct).ConfigureAwait(false); }
        catch (Hosts.HostOperationException e) { return $"its paths could not be checked for symbolic links ({e.Message})"; }
        var real = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (!result.Succeeded || real.Length != 3) return $"its paths could not be checked for symbolic links (realpath exited with {result.ExitCode})";
        var wanted = new[] { entry.Key, entry.Certificate, entry.BackupDir };
        var linked = wanted.Where((path, i) => real[i] != path).ToList();
        return linked.Count == 0 ? null : $"{string.Join(" and ", linked)} go{(linked.Count == 1 ? "es" : "")} through a symbolic link";
    }

    /// <summary>Single-quoted for sh; the ledger rules have already refused control characters.</summary>
    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
