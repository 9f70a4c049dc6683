using PemCertState.Inventory;

namespace PemCertState.Observation;

public sealed partial class Observer
{
    /// <summary>
    /// The agent ledger on the server and, with agents.revoke_removed, the key and certificate of every ledger agent
    /// that this run no longer manages (removed from the inventory, inactive in pem.agent), at the ledger's paths.
    /// </summary>
    private async Task<ObservedLedger> ObserveLedgerAsync(DesiredState desired, CancellationToken ct)
    {
        var file = await hosts[desired.Server.Host].ReadAsync(AgentLedger.PathFor(desired.Server), ct).ConfigureAwait(false);
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
                var key = host.ReadAsync(entry.Key, token);
                var certificate = host.ReadAsync(entry.Certificate, token);
                retiring[i] = new ObservedRetiring(entry, ReadKey(await key.ConfigureAwait(false)), ReadCertificate(await certificate.ConfigureAwait(false)));
            }).ConfigureAwait(false);
        return new ObservedLedger(FileFacts.From(file), ledger, error, retiring);
    }
}
