using System.Globalization;
using System.Text;
using PemCertState.Execution;
using PemCertState.Observation;

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
}
