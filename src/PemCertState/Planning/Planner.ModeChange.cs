using System.Globalization;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// A change of agents.user leaves working credentials behind: common -> per-agent, the shared agent.key/agent.crt (CN =
/// the common user) on every agent; per-agent -> common, each agent&lt;ID&gt;.key/.crt. With PEM's own CA the plan revokes
/// what no agent uses any more (its serial into root.crl, in the CRL step before the agents, loaded by the server's reload
/// last, once every agent runs its new pair), then backs up and removes those files after the agent's restart. The
/// database role is only reported: pemstate never drops a role. With a trusted CA nothing can be revoked here: the plan
/// names each certificate for the CA's operator to revoke, and the files go the same way.
/// </summary>
public static partial class Planner
{
    /// <summary>One agent's pair under the other mode's names.</summary>
    /// <param name="Files">Its key and certificate that exist, to back up and remove after the agent restarts.</param>
    internal sealed record Abandoned(AgentSpec Agent, ObservedOtherPair Pair, IReadOnlyList<FileFacts> Files);

    private static string ModeName(AgentsSpec agents) => agents.User == AgentUserMode.Common ? "common" : "per-agent";

    /// <summary>
    /// The pairs a change of mode left, whichever the CA: only what pemstate would have written there (the other mode's
    /// subject). The database role they logged in as is reported, never dropped.
    /// </summary>
    internal static List<Abandoned> FindAbandonedPairs(DesiredState desired, ObservedState observed, List<string> warnings)
    {
        var agents = desired.Agents;
        var other = agents with { User = agents.User == AgentUserMode.Common ? AgentUserMode.PerAgent : AgentUserMode.Common };
        var pairs = new List<Abandoned>();
        foreach (var agent in agents.List)
        {
            if (observed.Agents[agent.Id].OtherMode is not { } pair) continue;
            if (pair.Certificate.Summary is { } summary && summary.Subject != PemFiles.AgentSubject(other, agent)) continue;
            if (pair.Certificate.Summary is null && !pair.Key.Readable) continue;
            pairs.Add(new Abandoned(agent, pair, [.. new[] { pair.Key.File, pair.Certificate.File }.Where(f => f.Exists)]));
        }
        if (pairs.Count == 0) return pairs;

        var role = agents.User == AgentUserMode.Common
            ? $"roles {string.Join(", ", pairs.Select(p => $"agent{p.Agent.Id.ToString(CultureInfo.InvariantCulture)}"))} are"
            : $"role {agents.CommonUser} is";
        warnings.Add($"agents.user is {ModeName(agents)}: no agent logs in as the database {role} any more; "
            + "pemstate never drops a role: a DBA can drop it once nothing else uses it");
        return pairs;
    }

    /// <summary>The abandoned certificates, one per serial (the common one is shared), with the agents that held them.</summary>
    private static IEnumerable<(ObservedCertificate Certificate, string Serial, IReadOnlyList<Abandoned> Holders, string What)> AbandonedCertificates(
        AgentsSpec agents, IReadOnlyList<Abandoned> pairs)
    {
        foreach (var group in pairs.Where(p => p.Pair.Certificate.Certificate is not null).GroupBy(p => Normal(p.Pair.Certificate.Summary!.Serial)))
        {
            var certificate = group.First().Pair.Certificate;
            var serial = certificate.Summary!.Serial;
            var ids = string.Join(", ", group.Select(p => p.Agent.Id.ToString(CultureInfo.InvariantCulture)));
            var what = agents.User == AgentUserMode.PerAgent
                ? $"the common certificate {certificate.Summary.Subject} (serial {serial}) that agent{(group.Count() == 1 ? "" : "s")} {ids} held"
                : $"agent {ids}'s own certificate (serial {serial})";
            yield return (certificate, serial, [.. group], what);
        }
    }

    /// <summary>
    /// With PEM's own CA: the revocations root.crl needs for the abandoned pairs (none during a CA rotation, or for a
    /// certificate another CA signed, one expired or already revoked, or one an agent still holds or runs on).
    /// </summary>
    internal static List<Retirement> RevokeAbandoned(
        DesiredState desired, ObservedState observed, IReadOnlyList<Abandoned> pairs, CaView ca, bool rotating, IReadOnlySet<ResourceAddress> pending, DateTimeOffset now, List<string> warnings)
    {
        if (pairs.Count == 0 || rotating || ca.Replaced || ca.Kept is null) return [];
        var agents = desired.Agents;
        var held = observed.Agents.Values.Select(a => a.Certificate.Summary?.Serial).OfType<string>().Select(Normal).ToHashSet(StringComparer.Ordinal);
        var others = ManagedSerials(observed);
        var revocations = new List<Retirement>();
        foreach (var (certificate, serial, holders, what) in AbandonedCertificates(agents, pairs))
        {
            if (!observed.Signatures.Signs(ca.Kept, certificate.Certificate!) || certificate.Summary!.NotAfter <= now
                || Crypto.Revocation.RevokedOn(certificate.Certificate!, ca.Crls, [ca.Kept]) is not null)
                continue; // another CA's, expired or already revoked: nothing left to revoke
            if (held.Contains(Normal(serial)) || others.ContainsKey(Normal(serial))) continue;
            // The server loads the CRL at the end of this apply: an agent still running on that certificate then is locked out.
            var stillOn = agents.List.Where(a => holders.Any(p => p.Agent.Id == a.Id) && !Switches(agents, a, observed.Agents[a.Id], pending)).Select(a => a.Id).ToList();
            if (agents.LeftOut.Count > 0 && agents.User == AgentUserMode.PerAgent)
            {
                warnings.Add($"{what} is not revoked in this run: agents {string.Join(", ", agents.LeftOut.Order())} are left out of it and may still use it");
                continue;
            }
            if (stillOn.Count > 0)
            {
                warnings.Add($"{what} is not revoked in this run: agent{(stillOn.Count == 1 ? "" : "s")} {string.Join(", ", stillOn)} "
                    + "still run on it and have no restart command; restart them, then plan again");
                continue;
            }
            revocations.Add(new Retirement(holders.Min(p => p.Agent.Id), [serial], true,
                $"agents.user is {ModeName(agents)}: {what} is no longer used, so it is revoked"));
        }
        return revocations;
    }

    /// <summary>
    /// With a trusted CA pemstate cannot revoke: each abandoned certificate that the trusted CA signed, still valid and not
    /// on its CRL, is named with its serial and issuer for the CA's operator to revoke; its files still go after the
    /// agent's restart. Once the CA revokes it and publishes the CRL, the next apply installs that CRL as root.crl.
    /// </summary>
    internal static void WarnAboutTrustedAbandoned(AgentsSpec agents, IReadOnlyList<Abandoned> pairs, TrustedCaSpec trusted, Crypto.SignatureFacts signatures, DateTimeOffset now, List<string> warnings)
    {
        foreach (var (certificate, serial, holders, what) in AbandonedCertificates(agents, pairs))
        {
            var leaf = certificate.Certificate!;
            if (certificate.Summary!.NotAfter <= now || signatures.ChainProblem(leaf, trusted.Bundle, now) is not null) continue;
            if (Crypto.Revocation.RevokedOn(leaf, trusted.Crls, trusted.Bundle) is not null) continue;
            var crl = trusted.CrlPath is null
                ? "ca.crl is none, so the server cannot refuse it even then: consider giving pemstate the CA's CRL"
                : $"then give pemstate its new CRL ({trusted.CrlPath}) and apply";
            warnings.Add($"agents.user is {ModeName(agents)}: {what} is no longer used but stays valid until {Day(certificate.Summary.NotAfter)}, "
                + $"and pemstate cannot revoke a certificate of a trusted CA: ask the CA ({certificate.Summary.Issuer}) to revoke serial {serial}, {crl} "
                + $"(a copy stays in the backup sets of {holders[0].Agent.Host}:{PemFiles.AgentBackupDir(holders[0].Agent)}; this plan is the last to name it)");
        }
    }

    /// <summary>Every agent's key and certificate under the current mode's names: never removed as another mode's.</summary>
    internal static HashSet<(string Host, string Path)> AgentFilesInUse(AgentsSpec agents) =>
        agents.List.SelectMany(a => new[] { (a.Host, PemFiles.AgentKey(agents, a)), (a.Host, PemFiles.AgentCertificate(agents, a)) }).ToHashSet();

    /// <summary>Whether the agent runs its new pair by the end of this apply: it restarts in it, or already runs what its agent.cfg names.</summary>
    private static bool Switches(AgentsSpec agents, AgentSpec agent, ObservedAgent seen, IReadOnlySet<ResourceAddress> pending) =>
        agent.Restart is not null || (!AgentReconciler.PlanSettings(agents, agent, seen.Settings, []) && !pending.Contains(Addresses.AgentRestart(agent.Id)));

    /// <summary>In the agent's lane, after its restart: the other mode's files, backed up and removed.</summary>
    internal static void PlanAbandonedFiles(AgentsSpec agents, AgentSpec agent, IReadOnlyList<Abandoned> abandoned, bool runsNewPair,
        IReadOnlySet<(string Host, string Path)> inUse, List<PlanStep> steps, List<string> warnings)
    {
        if (abandoned.FirstOrDefault(a => a.Agent.Id == agent.Id) is not { Files.Count: > 0 } mine) return;
        var files = mine.Files.Where(f => !inUse.Contains((f.Host, f.Path))).ToList();
        if (files.Count == 0) return;
        var names = string.Join(" and ", files.Select(Name));
        if (!runsNewPair)
        {
            warnings.Add($"agent {agent.Id} has no restart command: remove {names} from {agent.Host} yourself once it runs on its new certificate");
            return;
        }
        var address = Addresses.AgentCertificate(agent.Id);
        var reason = $"agents.user is {ModeName(agents)}: {names} {(files.Count == 1 ? "is" : "are")} no longer used by agent {agent.Id}";
        AddBackup(address, agent.Host, PemFiles.AgentBackupDir(agent), files, reason, steps);
        steps.Add(new RemoveStep(address, agent.Host, reason, [.. files.Select(f => f.Path)]));
    }

    /// <summary>Serials (normalised) of the managed certificates other than the agents', with the resource that holds each.</summary>
    internal static Dictionary<string, string> ManagedSerials(ObservedState observed)
    {
        var serials = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string? serial, ResourceAddress holder)
        {
            if (serial is not null) serials.TryAdd(Normal(serial), holder.ToString());
        }
        Add(observed.Server.Certificate.Summary?.Serial, Addresses.ServerCertificate);
        Add(observed.Server.CaCertificate.Summary?.Serial, Addresses.Ca);
        foreach (var certificate in observed.Server.Root.Certificates)
            Add(Crypto.Serials.Text(certificate.SerialNumber), Addresses.RootBundle);
        Add(observed.Web?.Certificate.Summary?.Serial, Addresses.WebCertificate);
        return serials;
    }

    internal static string Normal(string serial) => Crypto.Serials.Normal(serial);
}
