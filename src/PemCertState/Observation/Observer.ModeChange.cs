using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Observation;

internal sealed partial class Observer
{
    /// <summary>
    /// The agent's pair under the other agents.user mode's names, left there by a change of mode. Null when neither file
    /// exists, or one could not be read (a link, a FIFO, no permission): then nothing acts on them, and the agent itself is
    /// still planned, since these are not files it uses.
    /// </summary>
    private static async Task<ObservedOtherPair?> ObserveOtherModeAsync(IHost host, AgentsSpec agents, AgentSpec agent, CancellationToken ct)
    {
        var other = agents with { User = agents.User == AgentUserMode.Common ? AgentUserMode.PerAgent : AgentUserMode.Common };
        var key = host.ReadAsync(PemFiles.AgentKey(other, agent), ct);
        var certificate = host.ReadAsync(PemFiles.AgentCertificate(other, agent), ct);
        try
        {
            var files = await Task.WhenAll(key, certificate).ConfigureAwait(false);
            return files.Any(f => f.Exists) ? new ObservedOtherPair(ReadKey(files[0]), ReadCertificate(files[1])) : null;
        }
        catch (HostOperationException)
        {
            return null;
        }
    }
}
