using System.Text.RegularExpressions;
using PemCertState.Configuration;
using PemCertState.Facts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.State;

namespace PemCertState.Planning;

/// <summary>
/// What pemstate's own interrupted writes left in the managed folders: its private folder (".pemstate-" and 32 hex digits,
/// made by every write, the file renamed out of it) and an older pemstate's temp file (".NAME.&lt;32 hex&gt;.pemstate-tmp"),
/// each holding a complete file, maybe a private key, that nothing reads. The next apply removes them, first (after moving
/// state), when it can tell it made them (<see cref="LeftoverProof"/>); a look-alike it cannot tell is named in a warning and
/// left alone, and so is an incomplete backup set of an interrupted run. A key and certificate switch killed half-way
/// (Execution.PairSwitch) leaves its staged copies ("server.key.next"), maybe with the config naming them: those are
/// judged the same way, but removed last, once the plan's settings step has pointed the config at the live pair again
/// (after that pair is right); one a config still names with no step to change it stays, with a warning.
/// </summary>
internal static partial class LeftoverCleanup
{
    public static Plan Judge(DesiredState desired, ObservedState observed, Plan plan)
    {
        if (observed.Leftovers.Count == 0 && observed.IncompleteSets.Count == 0) return plan;
        var folders = Folders(desired, observed);
        var steps = new List<PlanStep>();
        var staged = new List<PlanStep>();
        var warnings = new List<string>();
        var named = NamedByConfigs(desired, observed);
        var edited = plan.Steps.Where(s => s.Action == StepAction.EditSettings).SelectMany(s => s.Paths.Select(p => (s.Host, p))).ToHashSet();
        foreach (var group in observed.Leftovers.GroupBy(l => (l.Host, l.Folder)))
        {
            var strangers = new List<string>();
            foreach (var leftover in group)
            {
                if (Proof(folders, leftover.Host, leftover.Path) is not { } proof) continue; // not a name pemstate gives: not its business
                if (proof.Problem(leftover.Entry) is { } why) strangers.Add($"{LeftoverProof.Quote(leftover.Entry.Name)} ({why})");
                else if (!folders[(leftover.Host, leftover.Folder)].Staged.Contains(leftover.Entry.Name))
                    steps.Add(new RemoveLeftoverStep(Addresses.Leftovers, leftover.Host, Reason(proof, leftover.Entry), leftover.Path));
                else if (named.GetValueOrDefault((leftover.Host, leftover.Path)) is { } config && !edited.Contains((leftover.Host, config)))
                    warnings.Add($"{leftover.Host}:{leftover.Path} is the staged copy of an interrupted key and certificate switch, and {config} still names it "
                        + "with no step in this plan to change that: left in place (removing it would leave the config naming a missing file). "
                        + "Point the config at the live pair, then plan again");
                else
                    staged.Add(new RemoveLeftoverStep(Addresses.Leftovers, leftover.Host, StagedReason, leftover.Path));
            }
            if (strangers.Count > 0)
                warnings.Add($"{group.Key.Host}:{group.Key.Folder} holds {strangers.Count} entr{(strangers.Count == 1 ? "y" : "ies")} named like what pemstate's interrupted "
                    + $"writes leave, which pemstate cannot tell it made: {string.Join("; ", strangers.Take(5))}{(strangers.Count > 5 ? "; ..." : "")}. "
                    + "Left alone: find out who made them, then remove them yourself");
        }
        foreach (var set in observed.IncompleteSets)
            warnings.Add($"{set.Host}:{set.Folder} is an incomplete backup set: the interrupted run stopped while copying files into it, before its manifest.json. "
                + "It restores nothing and no rollback picks it; it may hold copies of private keys (root's, 0600): remove it once you no longer need it. `pemstate backups` lists it");
        return plan with { Steps = [.. steps, .. plan.Steps, .. staged], Warnings = [.. plan.Warnings, .. warnings] };
    }

    private const string StagedReason = "a key and certificate switch was interrupted (kill -9, power loss) and left this staged copy: a complete file, "
        + "maybe a private key. Removed last, when the config names the live pair again; nothing reads it, and a private key nobody uses is one more place for it to leak from";

    /// <summary>The key and certificate each config names now, with the file that names it: a staged copy among them must outlive that file's edit.</summary>
    private static Dictionary<(string Host, string Path), string> NamedByConfigs(DesiredState desired, ObservedState observed)
    {
        var named = new Dictionary<(string Host, string Path), string>();
        var server = observed.Server.Settings.File;
        foreach (var setting in new[] { "ssl_key_file", "ssl_cert_file" })
            if (ServerSettings.ValueInFiles(observed.Server, setting) is { } value)
                named.TryAdd((server.Host, Path.GetFullPath(value, desired.Server.DataDir)),
                    observed.Server.Sources.TryGetValue(setting, out var source) ? source.File : server.Path); // an include, or postgresql.auto.conf, may set it
        foreach (var agent in desired.Agents.List)
        {
            if (!observed.Agents.TryGetValue(agent.Id, out var seen)) continue;
            foreach (var setting in new[] { "agent_ssl_key", "agent_ssl_crt" })
                if (seen.Settings.Settings.GetValueOrDefault(setting) is { } value)
                    named.TryAdd((agent.Host, Path.GetFullPath(value, Path.GetDirectoryName(agent.Config) ?? "/")), agent.Config);
        }
        if (desired.Web is { } web && observed.Web is { } seenWeb)
            foreach (var directive in new[] { WebConfig.KeyDirective(web.Server), WebConfig.CertificateDirective(web.Server) })
                if (seenWeb.Settings.Settings.GetValueOrDefault(directive) is { } value && Path.IsPathRooted(value))
                    named.TryAdd((web.Host, Path.GetFullPath(value)), web.Config);
        return named;
    }

    /// <summary>
    /// What <paramref name="path"/> must be for pemstate to know it made it, from the inventory and the files observed: null
    /// when it is not in a managed folder or not named as pemstate names its private folders and temp files. The executor asks
    /// again before it removes (the path in a step is never believed alone).
    /// </summary>
    public static LeftoverProof? ProofFor(DesiredState desired, ObservedState observed, string host, string path) =>
        Proof(Folders(desired, observed), host, path);

    private static LeftoverProof? Proof(IReadOnlyDictionary<(string Host, string Path), ManagedFolder> folders, string host, string path)
    {
        if (!folders.TryGetValue((host, Path.GetDirectoryName(path) ?? ""), out var folder)) return null;
        var name = Path.GetFileName(path);
        if (PrivateFolderName().IsMatch(name)) return new LeftoverProof(LeftoverKind.Folder, folder.Names, folder.Owners);
        // A staged copy: written (through a private folder) with the live file's owner, as a regular file of one link.
        if (folder.Staged.Contains(name)) return new LeftoverProof(LeftoverKind.Regular, folder.Names, folder.Owners);
        return TempFileName().Match(name) is { Success: true } temp && folder.Names.Contains(temp.Groups["name"].Value)
            ? new LeftoverProof(LeftoverKind.Regular, folder.Names, folder.Owners)
            : null;
    }

    /// <summary>
    /// The folders scanned (<see cref="ManagedFolders"/>), with each folder's owners widened by those its managed files have now:
    /// a write keeps a file's owner (postgresql.conf stays postgres's), and gives the same to the file in its private folder.
    /// </summary>
    private static Dictionary<(string Host, string Path), ManagedFolder> Folders(DesiredState desired, ObservedState observed)
    {
        var owners = observed.ManagedFiles().Where(f => f.Exists && f.Owner is not null)
            .ToLookup(f => (f.Host, Path.GetDirectoryName(f.Path) ?? ""), f => f.Owner!);
        var sets = observed.Journal is { Finished: false, BackupId: { } id } ? ManagedFolders.BackupSet(desired, id) : [];
        return ManagedFolders.Of(desired).Concat(sets)
            .GroupBy(f => (f.Host, f.Path)).Select(g => g.First())
            .ToDictionary(f => (f.Host, f.Path), f => f with { Owners = f.Owners.Union(owners[(f.Host, f.Path)]).ToHashSet(StringComparer.Ordinal) });
    }

    private static string Reason(LeftoverProof proof, LeftoverEntry entry)
    {
        const string Why = "nothing reads it, and a private key nobody uses is one more place for it to leak from";
        if (proof.Kind == LeftoverKind.Regular)
            return $"an older pemstate's write was interrupted between making this temp file and renaming it: a complete file, maybe a private key; {Why}";
        if (entry.Entries is not { Count: > 0 } files)
            return "a write was interrupted (kill -9, power loss) and left pemstate's private folder (root's, 0700) empty; nothing uses it";
        return $"a write was interrupted (kill -9, power loss) before its file left pemstate's private folder (root's, 0700, holding "
            + $"{string.Join(", ", files.Select(f => f.Name))}): a complete file, maybe a private key; {Why}";
    }

    [GeneratedRegex("^\\.pemstate-[0-9a-f]{32}$")]
    private static partial Regex PrivateFolderName();

    [GeneratedRegex("^\\.(?<name>.+)\\.[0-9a-f]{32}\\.pemstate-tmp$")]
    private static partial Regex TempFileName();
}
