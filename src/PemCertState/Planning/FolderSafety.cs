using PemCertState.Facts;
using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// OpenSSH's StrictModes, for the folders above the private keys pemstate writes: a folder on the way that an account
/// other than root, the key's declared owner or one of the host's <c>trusted_accounts</c> can change is a warning on
/// every plan, and apply refuses the steps that would write a private key below it. Whoever can change such a folder can
/// put their own key (or their own folder) where the consumer will look, or take pemstate's away.
/// </summary>
public static class FolderSafety
{
    /// <summary>Steps that put private key bytes on a disk: the key itself, its backup copy, or a restored copy.</summary>
    private static readonly HashSet<StepAction> WritesKeyBytes =
        [StepAction.Install, StepAction.InstallSigned, StepAction.RequestSignature, StepAction.Restore, StepAction.Backup];

    public static Plan Judge(DesiredState desired, ObservedState observed, Plan plan)
    {
        var warnings = new List<string>();
        var refusals = new List<string>();
        foreach (var (resource, key, owner) in Keys(desired, observed))
        {
            var host = desired.Hosts.TryGetValue(key.Host, out var spec) ? spec : null;
            var accepted = new HashSet<string>(StringComparer.Ordinal) { "root" };
            if (owner is not null) accepted.Add(owner);
            foreach (var account in host?.TrustedAccounts ?? []) accepted.Add(account);

            var concerns = key.WritableFolders.Where(folder => !Accepted(folder, accepted)).ToList();
            if (concerns.Count == 0) continue;
            var who = string.Join("; ", concerns.Select(c => c.ToString()));
            var accounts = string.Join(", ", concerns.SelectMany(Writers).Distinct(StringComparer.Ordinal));
            warnings.Add($"{key.Host}: {resource}'s private key {key.Path} sits below folders that {accounts} can change: {who}. "
                + $"Only root{(owner is null ? "" : $" and {owner}")} should be able to: such an account can replace the key or the folder that holds it. "
                + $"Tighten those folders, or, if {accounts} may hold this key, list {(concerns.Count == 1 ? "it" : "them")} in hosts.{key.Host}.trusted_accounts.");
            foreach (var step in plan.Steps.Where(s => WritesKeyBytes.Contains(s.Action) && s.Host == key.Host && s.Paths.Contains(key.Path, StringComparer.Ordinal)))
                refusals.Add($"{step.Address} on {step.Host}: will not {Describe(step.Action)} {key.Path}: {accounts} can change the folders above it ({who})");
        }
        if (warnings.Count == 0) return plan;
        return plan with { Warnings = [.. plan.Warnings, .. warnings], Refusals = [.. plan.Refusals, .. refusals.Distinct(StringComparer.Ordinal)] };
    }

    private static IEnumerable<(ResourceAddress Resource, FileFacts Key, string? Owner)> Keys(DesiredState desired, ObservedState observed)
    {
        if (desired.Ca.Source == CaSource.SelfSigned) yield return (Addresses.Ca, observed.Server.CaKey.File, desired.Server.Owner);
        yield return (Addresses.ServerCertificate, observed.Server.Key.File, desired.Server.Owner);
        foreach (var agent in desired.Agents.List)
            if (observed.Agents.TryGetValue(agent.Id, out var seen))
                yield return (Addresses.AgentCertificate(agent.Id), seen.Key.File, agent.Owner);
        if (desired.Web is { } web && observed.Web is { } seenWeb)
            yield return (Addresses.WebCertificate, seenWeb.Key.File, web.Owner);
    }

    /// <summary>The folder is fine when its owner is accepted, and any group or world write is by accepted accounts only.</summary>
    private static bool Accepted(WritableFolder folder, HashSet<string> accepted)
        => accepted.Contains(folder.Owner) && (folder.Group is null || accepted.Contains(folder.Group)) && !folder.WorldWritable;

    private static IEnumerable<string> Writers(WritableFolder folder)
    {
        yield return $"'{folder.Owner}'";
        if (folder.Group is not null) yield return $"group '{folder.Group}'";
        if (folder.WorldWritable) yield return "anyone";
    }

    private static string Describe(StepAction action) => action switch
    {
        StepAction.Backup => "copy into a backup",
        StepAction.Restore => "restore",
        StepAction.RequestSignature => "write the pending key for",
        _ => "install",
    };
}
