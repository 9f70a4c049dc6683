using System.Globalization;
using PemCertState.Inventory;
using PemCertState.Observation;
using static PemCertState.Planning.Planner;

namespace PemCertState.Planning;

/// <summary>
/// agents.revoke_removed: an agent in the ledger that this run no longer manages is revoked (its serial into root.crl,
/// server side, before any agent step), its key and certificate are backed up and removed from its host (after the
/// agents), the server restarts to load the CRL (last, as always), and the ledger is written after everything else.
/// Interrupted anywhere, the ledger still names the agent, and the next plan does what is left: a serial already in
/// root.crl is not written again, files already gone are not removed again.
/// </summary>
internal sealed partial class SelfSignedIssuer
{
    /// <summary>A ledger agent leaving the managed set in this plan.</summary>
    /// <param name="Files">The files to back up and remove: those that exist and that no managed agent uses.</param>
    internal sealed record Leaving(LedgerEntry Entry, Retirement Retirement, IReadOnlyList<FileFacts> Files);

    /// <summary>Which ledger agents leave in this plan, and what is revoked for each. Says in warnings what it leaves alone and why.</summary>
    internal static List<Leaving> FindLeaving(DesiredState desired, ObservedState observed, CaView ca, bool rotating, List<string> warnings)
    {
        var agents = desired.Agents;
        if (observed.Ledger?.Ledger is not { } ledger) return [];
        var where = $"ledger {desired.Server.Host}:{observed.Ledger.File.Path}";
        foreach (var refused in ledger.Refused)
            warnings.Add($"{where}: entry {refused}; it is left out: nothing is revoked or removed for it");
        var managed = agents.List.Select(a => a.Id).ToHashSet();
        var gone = ledger.Agents.Where(e => !managed.Contains(e.Id) && !agents.LeftOut.Contains(e.Id)).ToList();
        if (gone.Count == 0) return [];
        if (!agents.RevokeRemoved)
        {
            foreach (var entry in gone)
                warnings.Add($"{Cause(agents, entry.Id)}, but its certificate (serial {entry.Serial}) is still valid and its files are still on {entry.Host}; "
                    + "set agents.revoke_removed: true to revoke it and remove them");
            return [];
        }
        if (rotating)
        {
            warnings.Add($"agents {string.Join(", ", gone.Select(e => e.Id))} are no longer managed; they are revoked once the CA rotation under way has finished (a later apply)");
            return [];
        }
        if (agents.Source == AgentSource.Database && agents.List.Count == 0)
        {
            warnings.Add("pem.agent has no active agent at all: agents.revoke_removed revokes nothing rather than every agent; check that server.database is PEM's database");
            return [];
        }

        // A serial a managed agent still holds (the common pair, or a copy) is never revoked: that would lock the agent out.
        var held = observed.Agents.Values.Select(a => a.Certificate.Summary?.Serial).OfType<string>().Select(Normal).ToHashSet(StringComparer.Ordinal);
        // Nor one the server, the CA or the web server holds: the ledger sits in data_dir, which the database account
        // owns, and an entry it invents with the server's serial would have the CA revoke the server's own certificate.
        var others = ManagedSerials(observed);
        var inUse = agents.List.SelectMany(a => new[] { (a.Host, PemFiles.AgentKey(agents, a)), (a.Host, PemFiles.AgentCertificate(agents, a)) }).ToHashSet();
        var leaving = new List<Leaving>();
        foreach (var seen in observed.Ledger.Retiring.OrderBy(r => r.Entry.Id))
        {
            var entry = seen.Entry;
            var cause = Cause(agents, entry.Id);
            if (agents.SkippedHosts.Contains(entry.Host))
            {
                warnings.Add($"{cause}; its host {entry.Host} is skipped in this run, so it is revoked by a run that includes {entry.Host}");
                continue;
            }

            var label = $"{where}: entry agent {entry.Id} on {entry.Host} (serial {entry.Serial})";
            var serials = new List<string>();
            if (!ca.Replaced && entry.Issuer == ca.Subject) serials.Add(Normal(entry.Serial)); // an older ledger's may lack openssl's leading zero
            if (!ca.Replaced && seen.Certificate?.Certificate is { } onDisk && ca.Kept is not null && observed.Signatures.Signs(ca.Kept, onDisk)
                && !serials.Contains(seen.Certificate.Summary!.Serial, StringComparer.Ordinal))
                serials.Add(seen.Certificate.Summary!.Serial);
            foreach (var serial in serials.Where(s => others.ContainsKey(Normal(s))))
                warnings.Add($"{label}: serial {serial} is held by {others[Normal(serial)]}, which pemstate manages; it is not revoked");
            serials.RemoveAll(s => others.ContainsKey(Normal(s)));
            var shared = serials.Where(s => held.Contains(Normal(s))).ToList();
            if (shared.Count > 0)
                warnings.Add($"{cause}; its certificate (serial {string.Join(", ", shared)}) is also held by a managed agent (the common-user pair), so it is not revoked: "
                    + "pemstate apply --rotate-common replaces that pair on every agent");
            serials.RemoveAll(s => held.Contains(Normal(s)));
            var reason = serials.Count > 0
                ? $"{cause}: its certificate (serial {string.Join(", ", serials)}) is revoked"
                : ca.Replaced ? $"{cause}; the CA that signed its certificate is being replaced" : cause;

            var files = new List<FileFacts>();
            if (seen.Refused is { } refusedPaths)
                warnings.Add($"{label}: {refusedPaths}; its files are left alone: check the entry, and remove the agent's files yourself if they are its own");
            else if (seen.Key is null)
                warnings.Add($"{cause}; its host {entry.Host} is no longer declared in hosts, so {entry.Key} and {entry.Certificate} stay there: remove them yourself");
            else
                files.AddRange(new[] { seen.Key.File, seen.Certificate!.File }.Where(f => f.Exists && !inUse.Contains((f.Host, f.Path))));
            leaving.Add(new Leaving(entry, new Retirement(entry.Id, serials, serials.Count > 0, reason), files));
        }
        return leaving;
    }

    /// <summary>Why an agent is no longer managed, in the words of where the list came from.</summary>
    private static string Cause(AgentsSpec agents, int id) =>
        agents.Source == AgentSource.Inventory ? $"agent {id} is no longer in the inventory"
        : agents.Inactive.Contains(id) ? $"agent {id} is inactive in pem.agent"
        : $"agent {id} is no longer in pem.agent";

    /// <summary>The revocations root.crl does not list yet; empty when the CRL on disk already has every one.</summary>
    internal static List<Retirement> MissingFromCrl(IReadOnlyList<Retirement> retirements, ObservedCrl crl)
    {
        var listed = (crl.Crl?.GetRevokedCertificates() ?? new HashSet<Org.BouncyCastle.X509.X509CrlEntry>())
            .Select(e => Crypto.Serials.Text(e.SerialNumber)).ToHashSet(StringComparer.Ordinal);
        return retirements
            .Where(r => r.Revoke && r.Serials.Any(s => !listed.Contains(Normal(s))))
            .ToList();
    }

    /// <summary>After every agent: each leaving agent's key and certificate, backed up and removed from its host.</summary>
    internal static void PlanRetiredFiles(IReadOnlyList<Leaving> leaving, List<PlanStep> steps)
    {
        foreach (var agent in leaving.Where(l => l.Files.Count > 0))
        {
            var address = Addresses.AgentCertificate(agent.Entry.Id);
            var reason = $"{agent.Retirement.Reason}; its key and certificate are removed from {agent.Entry.Host}";
            AddBackup(address, agent.Entry.Host, agent.Entry.BackupDir, agent.Files, reason, steps);
            steps.Add(new RemoveStep(address, agent.Entry.Host, reason, [.. agent.Files.Select(f => f.Path)]));
        }
    }

    /// <summary>
    /// Last: the ledger, when anything it records changes (an agent's certificate, an agent leaving) or it is missing.
    /// Nothing when revoke_removed is off or the CA is trusted. The executor fills in the serials issued in this apply.
    /// </summary>
    internal static void PlanLedger(DesiredState desired, ObservedState observed, IReadOnlyList<Leaving> leaving, ResourceAddress? commonSource, List<PlanStep> steps)
    {
        if (!desired.Agents.RevokeRemoved || desired.Ca.Source == CaSource.Trusted || observed.Ledger is not { } seen) return;
        var agents = desired.Agents;
        var server = desired.Server;
        var recorded = seen.Ledger?.Agents.ToDictionary(e => e.Id) ?? [];
        var installed = steps.Where(s => s.Action == StepAction.Install).Select(s => s.Address).ToHashSet();
        string? reason = null;
        if (!seen.File.Exists) reason = $"{AgentLedger.FileName} is missing; it records which certificate each agent holds, so that a removed agent can be revoked";
        else if (seen.Ledger is null) reason = $"{AgentLedger.FileName} cannot be read ({seen.Error}); it is written again from what the agents hold";
        else if (leaving.Count > 0) reason = $"{string.Join("; ", leaving.Select(l => l.Retirement.Reason))}; the ledger records {(leaving.Count == 1 ? "it" : "them")} as retired";
        else
        {
            var changed = agents.List.Where(a => installed.Contains(Addresses.AgentCertificate(a.Id))
                || observed.Agents[a.Id].Certificate.Summary is not { } summary
                || recorded.GetValueOrDefault(a.Id) != AgentLedger.Entry(agents, a, summary)).Select(a => a.Id).ToList();
            if (changed.Count > 0)
                reason = $"agent{(changed.Count == 1 ? "" : "s")} {string.Join(", ", changed.Select(i => i.ToString(CultureInfo.InvariantCulture)))} "
                    + $"{(changed.Count == 1 ? "holds" : "hold")} a certificate the ledger does not record yet";
        }

        // Root's, in the state folder: the database account (server.owner) is the one the ledger must be kept from.
        // One still in data_dir is moved there by the plan's first steps, 0600 like this.
        var path = AgentLedger.PathFor(server);
        if (reason is null)
        {
            if (seen.File.Path == path) PlanModeAndOwner(Addresses.AgentLedger, null, [seen.File], steps);
            return;
        }
        steps.Add(new WriteLedgerStep(Addresses.AgentLedger, server.Host, reason, path, commonSource, [.. leaving.Select(l => l.Retirement)]));
    }
}
