using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Application;

/// <summary>
/// What every verb does first: the inventory, database discovery, --skip-host, then observation. Each step's
/// diagnostics and notes go to <c>say</c> (one line each, as a person reads them) when they arise; a null answer
/// means the run stops there, after saying why, with nothing observed or changed.
/// </summary>
public static class RunScope
{
    public static DesiredState? Load(string file, Action<string> say)
    {
        var result = InventoryLoader.Load(file);
        foreach (var diagnostic in result.Diagnostics) say(diagnostic.ToString());
        if (result.IsValid) return result.State;
        say($"pemstate: {Rendering.Counts.Of(result.Diagnostics.Count, "problem")} in {file}; nothing was observed or changed.");
        return null;
    }

    /// <summary>Inventory, then database discovery, then --skip-host: the agents this run manages, and what was left out.</summary>
    public static async Task<(DesiredState Desired, HostFilterResult Filter)?> LoadAsync(
        string file, IReadOnlyCollection<string> skipHosts, OpenHosts openHosts, Action<string> say, CancellationToken cancellationToken)
    {
        var desired = Load(file, say);
        if (desired is null) return null;
        desired = await DiscoverAsync(desired, openHosts, say, cancellationToken).ConfigureAwait(false);
        if (desired is null) return null;
        var filter = HostFilter.Apply(desired, skipHosts);
        if (filter.Error is not null)
        {
            say($"pemstate: {filter.Error}; nothing was observed or changed.");
            return null;
        }
        if (filter.Summary is { } summary) say(summary);
        return (filter.Desired, filter);
    }

    /// <summary>agents.discover: database: the active rows of pem.agent become the agent list; anything else passes through.</summary>
    private static async Task<DesiredState?> DiscoverAsync(DesiredState desired, OpenHosts openHosts, Action<string> say, CancellationToken cancellationToken)
    {
        // Discovery verifies the database with the server's root.crt, before --skip-host shapes the run's own host set.
        // A host is contacted only when used: without agents.discover: database this opens nothing.
        await using var hosts = openHosts(desired);
        var discovery = await AgentDiscovery.DiscoverAsync(desired, hosts, cancellationToken).ConfigureAwait(false);
        foreach (var note in discovery.Notes) say($"pemstate: note: {note}");
        foreach (var error in discovery.Errors) say($"pemstate: {error}");
        if (discovery.Desired is null) say("pemstate: nothing was observed or changed.");
        return discovery.Desired;
    }

    /// <summary>Observes every host; null (said why, with a --skip-host hint for an agent's SSH host) when one cannot be.</summary>
    public static async Task<ObservedState?> ObserveAsync(DesiredState desired, HostSet hosts, Action<string> say, CancellationToken cancellationToken)
    {
        try
        {
            return await new Observer(hosts).ObserveAsync(desired, cancellationToken).ConfigureAwait(false);
        }
        catch (HostOperationException e)
        {
            var hint = desired.Hosts.TryGetValue(e.Host, out var spec) && spec.Transport == HostTransport.Ssh && e.Host != desired.Server.Host
                ? $" To leave it out of this run: --skip-host {e.Host}" : "";
            say($"pemstate: cannot observe {e.Message}; nothing was changed.{hint}");
            return null;
        }
    }

    /// <summary>The apply lock, or null (with the holder said) when another run has it. A lock it broke is said too.</summary>
    public static async Task<ApplyLock?> LockAsync(HostSet hosts, DesiredState desired, string command, bool breakLock, Action<string> say, CancellationToken cancellationToken)
    {
        try
        {
            var held = await ApplyLock.AcquireAsync(hosts[desired.Server.Host], desired.Server, command, breakLock, cancellationToken).ConfigureAwait(false);
            foreach (var broken in held.Broken) say($"pemstate: --break-lock removed {broken.Host}:{broken.Path}, held by {broken.Holder!.Who}");
            return held;
        }
        catch (ApplyLockedException e)
        {
            say($"pemstate: {e.Message}");
            return null;
        }
    }

    /// <summary>The inventory's SHA-256, which a saved plan records: a saved plan made from another inventory is stale.</summary>
    public static string InventorySha256(string file) => Crypto.Fingerprints.Sha256Hex(File.ReadAllBytes(file));
}
