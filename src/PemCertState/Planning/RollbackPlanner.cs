using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.State;

namespace PemCertState.Planning;

/// <summary>
/// The steps that put back the files of one backup set (all its folders, on every host): back up
/// what is there now, restore each file's bytes, mode and owner, then the restarts those files
/// need, the web server's (config test, reload) and the agents' before the server's, as in every apply. The server is
/// reloaded where apply would reload it (<see cref="ServerLoad"/>): the restored files are SSL files and ssl settings, which
/// PostgreSQL 10 and later re-read on reload; it is restarted only where apply would restart it, or when the restored
/// postgresql.conf also changes another setting (edited by hand since the backup), which a reload may not apply. What an
/// interrupted run left in the managed folders and in its backup set is removed first, as in an apply (<see cref="LeftoverCleanup"/>). Pure.
/// </summary>
public static class RollbackPlanner
{
    /// <param name="sets">Sets that passed <see cref="BackupManifestReader"/>: every path is one the inventory manages in
    /// that folder, every backup file a plain name in it, every hash present.</param>
    /// <param name="observed">The hosts now: what the database says of its SSL settings decides reload or restart, as in apply.</param>
    /// <param name="continuation">An interrupted rollback to the same sets that this one finishes: what it replaces goes into that
    /// run's set, and files already kept there are not copied again.</param>
    /// <param name="otherSettings">Settings other than ssl* whose value the restored postgresql.conf changes (<see cref="OtherSettingsChanged"/>).</param>
    public static Plan Create(DesiredState desired, IReadOnlyList<BackupSet> sets, ObservedState observed, RollbackContinuation? continuation = null,
        IReadOnlyList<string>? otherSettings = null)
    {
        var restorable = RestorableFiles.ByFolder(desired);
        var steps = new List<PlanStep>();
        var ordered = sets.OrderBy(s => AgentOf(s) ?? -1).ThenBy(s => s.Folder, StringComparer.Ordinal);
        var restartAgents = new SortedSet<int>();
        var restartServer = false;
        var reloadWeb = false;
        foreach (var set in ordered)
        {
            var reason = $"rollback to backup {set.Id}";
            var entries = set.Files.GroupBy(f => f.Path).Select(g => g.First()).ToList();
            var kept = Kept(continuation, set);
            var keep = continuation is null ? ": keep what is there now" : $": keep what is there now in backup set {continuation.BackupId}, begun by the interrupted rollback";
            foreach (var group in entries.GroupBy(e => e.Address))
            {
                var paths = group.Select(e => e.Path).Where(p => !kept.Contains(p)).ToList();
                if (paths.Count > 0)
                    steps.Add(new BackupStep(group.Key, set.Host, reason + keep, paths, Path.GetDirectoryName(set.Folder)!));
            }
            var scope = restorable[(set.Host, Path.GetDirectoryName(set.Folder)!)];
            foreach (var entry in entries)
            {
                var mode = FileModes.Permissions((UnixFileMode)Convert.ToInt32(entry.Mode, 8));
                // A key comes back readable by its owner only, whatever mode it had when it was backed up.
                if (scope[entry.Path].IsKey) mode &= FileModes.Private;
                steps.Add(new RestoreStep(entry.Address, set.Host, reason, entry.Path, Path.Combine(set.Folder, entry.BackupFile), entry.Sha256, Owner: entry.Owner, mode));
                if (entry.Address is { IsAgentFile: true, Agent: { } id }) restartAgents.Add(id);
                else if (entry.Address.Kind is ResourceKind.WebCertificate or ResourceKind.WebSettings) reloadWeb = true;
                else restartServer = true;
            }
        }
        if (reloadWeb && desired.Web is { } web)
        {
            // The restored config is tested like any other: a failing test stops the rollback before the reload.
            if (web.Test is not null)
                steps.Add(new TestConfigStep(Addresses.WebRestart, web.Host, "a config that fails its test must never reach a reload; a failure stops the rollback here", web.Test));
            if (web.Reload is not null)
                steps.Add(new RestartStep(Addresses.WebRestart, web.Host, "the web server reads the restored files only when it (re)loads", web.Reload));
        }
        foreach (var id in restartAgents)
        {
            var agent = desired.Agents.List.FirstOrDefault(a => a.Id == id);
            if (agent?.Restart is { } command)
                steps.Add(new RestartStep(Addresses.AgentRestart(id), agent.Host, "the agent reads the restored files only when it starts", command));
        }
        if (restartServer && otherSettings is { Count: > 0 } others && desired.Server.Restart is { } serverRestart)
            steps.Add(new RestartStep(Addresses.ServerRestart, desired.Server.Host,
                $"the restored postgresql.conf also changes {string.Join(", ", others)}, which a reload may not apply; PostgreSQL loads it on restart; last, after every agent",
                serverRestart));
        else if (restartServer && ServerLoad.Step(desired.Server, observed, verb => $"PostgreSQL loads the restored SSL files on {verb}; last, after every agent") is { } load)
            steps.Add(load);
        var plan = ServerLoad.JudgeReloadPrivilege(desired.Server, observed, new Plan(steps, continuation is null ? null : [continuation.Note])
        {
            RollbackOf = sets.Count > 0 ? sets[0].Id : null,
            BackupId = continuation?.BackupId,
        });
        // What an interrupted run (this rollback's own, killed in any lane) left is removed as an apply removes it; the set this
        // rollback completes is not named as an incomplete one to remove.
        var leftovers = observed with { IncompleteSets = [.. observed.IncompleteSets.Where(s => s.Id != continuation?.BackupId)] };
        return LeftoverCleanup.Judge(desired, leftovers, plan);
    }

    /// <summary>
    /// The settings, other than ssl*, whose effective value differs between <paramref name="current"/> and
    /// <paramref name="restored"/> postgresql.conf (an include differing counts as "include"): what a rollback restores
    /// beyond what pemstate itself writes, when someone edited the file since its backup. Sorted; empty when none.
    /// </summary>
    public static IReadOnlyList<string> OtherSettingsChanged(string current, string restored)
    {
        static Dictionary<string, string> Effective(string text)
        {
            var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var includes = new List<string>();
            foreach (var directive in Configuration.PostgresqlConf.Directives(text))
            {
                if (directive.IsInclude) includes.Add($"{directive.Name.ToLowerInvariant()} {directive.Value}");
                else settings[directive.Name] = directive.Value;
            }
            settings["include"] = string.Join("\n", includes);
            return settings;
        }
        var (before, after) = (Effective(current), Effective(restored));
        return [.. before.Keys.Union(after.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(name => !name.StartsWith("ssl", StringComparison.OrdinalIgnoreCase))
            .Where(name => before.GetValueOrDefault(name) != after.GetValueOrDefault(name))
            .Select(name => name.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The files the interrupted rollback already kept from <paramref name="set"/>'s folder. A file it did not keep there is
    /// copied now: its backup step had not run, so no restore in that folder had either (a folder's backups come before its
    /// restores). The one exception is a file that did not exist before the rollback: there is nothing to keep of it then,
    /// and a restore may have written it since, so it may be kept with the restored bytes; rollbacks never delete files,
    /// so restoring that set puts back what is there after the rollback anyway.
    /// </summary>
    private static HashSet<string> Kept(RollbackContinuation? continuation, BackupSet set) =>
        continuation?.Kept.FirstOrDefault(k => k.Host == set.Host && Path.GetDirectoryName(k.Folder) == Path.GetDirectoryName(set.Folder)) is { } begun
            ? begun.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal)
            : [];

    private static int? AgentOf(BackupSet set) => set.Files.Select(f => f.Address is { IsAgentFile: true, Agent: { } id } ? id : (int?)null).FirstOrDefault(id => id is not null);
}
