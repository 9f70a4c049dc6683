using System.Globalization;
using System.Text;
using PemCertState.Execution;

namespace PemCertState.Rendering;

public static class BackupsRenderer
{
    /// <summary>One line per backup id (an apply), oldest first, with its folders on every host.</summary>
    public static string Render(IReadOnlyList<BackupSet> sets)
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
        }
        return text.ToString();
    }
}
