using System.Globalization;
using System.Text;
using PemCertState.Observation;
using PemCertState.State;

namespace PemCertState.Rendering;

public static class BackupsRenderer
{
    /// <summary>One line per backup id (an apply or a rollback), oldest first, with its folders on every host.</summary>
    /// <param name="journal">The last run's: a set that an interrupted rollback began says so, and how to finish it.</param>
    public static string Render(IReadOnlyList<BackupSet> sets, ObservedJournal? journal)
    {
        var text = new StringBuilder("ID                  CREATED               FILES  FOLDERS\n");
        foreach (var group in sets.GroupBy(s => s.Id))
        {
            var first = group.First();
            text.Append(group.Key.PadRight(20))
                .Append(first.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture).PadRight(22))
                .Append(group.Sum(s => s.Files.Count).ToString(CultureInfo.InvariantCulture).PadRight(7))
                .Append(string.Join(", ", group.Select(s => $"{s.Host}:{s.Folder}")))
                .Append('\n');
            if (journal is { InterruptedRollback: true } stopped && stopped.BackupId == group.Key)
                text.Append(' ', 20).Append($"made by the rollback to {stopped.RollbackOf}, interrupted: it holds only what that rollback kept before it stopped; "
                    + "`pemstate rollback` finishes it\n");
            else if (group.Select(s => s.RollbackOf).FirstOrDefault(r => r is not null) is { } target)
                text.Append(' ', 20).Append($"made by the rollback to {target}: the files as they were before it\n");
        }
        return text.ToString();
    }

    /// <summary>The folders named like a set without a manifest, one line each, and why they are not sets.</summary>
    public static string RenderIncomplete(IReadOnlyList<IncompleteBackup> incomplete, ObservedJournal? journal)
    {
        if (incomplete.Count == 0) return "";
        var text = new StringBuilder("Incomplete backup sets (no manifest.json: they restore nothing, and no rollback picks them):\n");
        foreach (var folder in incomplete)
        {
            var who = journal is { Finished: false } stopped && stopped.BackupId == folder.Id
                ? $"the interrupted {(stopped.RollbackOf is null ? "apply" : "rollback")} {stopped.Apply} stopped while copying files into it"
                : "the run that made it stopped while copying files into it, or another account made it";
            text.Append("  ").Append(folder.Id.PadRight(20)).Append($"{folder.Host}:{folder.Folder}: {who}; it may hold copies of private keys: remove it once you no longer need it\n");
        }
        return text.ToString();
    }
}
