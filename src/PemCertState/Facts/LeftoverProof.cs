using System.Text.Json;
using PemCertState.Inventory;

namespace PemCertState.Facts;

/// <summary>
/// What a leftover must be for pemstate to know it made it. A private folder: a real folder of the account pemstate runs as,
/// mode 0700, holding only regular files with one link each, named in <see cref="Names"/> and owned by an account in
/// <see cref="Owners"/> (a file is given its target's owner before it is renamed out). An older pemstate's temp file: a
/// regular file with one link, owned by an account in <see cref="Owners"/>. The planner asks before it plans a removal, the
/// host again, on descriptors, before it removes.
/// </summary>
/// <param name="Kind"><see cref="LeftoverKind.Folder"/> or <see cref="LeftoverKind.Regular"/>.</param>
public sealed record LeftoverProof(LeftoverKind Kind, IReadOnlySet<string> Names, IReadOnlySet<string> Owners)
{
    /// <summary>Why <paramref name="entry"/> is not what this proof asks; null when it is.</summary>
    public string? Problem(LeftoverEntry entry)
    {
        if (Kind == LeftoverKind.Regular) return FileProblem(entry);
        if (entry.Kind != LeftoverKind.Folder) return $"it is {Describe(entry.Kind)}";
        if (!entry.Ours) return $"its owner is {entry.Owner}";
        if (entry.Mode != FileModes.PrivateDirectory) return $"its mode is {FileModes.Format(entry.Mode)}";
        if (entry.Entries is not { } entries) return "what it holds could not be read";
        if (entries.Count > LeftoverEntry.MaxEntries) return $"it holds more than {LeftoverEntry.MaxEntries} entries";
        foreach (var file in entries)
        {
            if (!Names.Contains(file.Name)) return $"it holds {Quote(file.Name)}, a name pemstate does not write there";
            if (FileProblem(file) is { } why) return $"{Quote(file.Name)}: {why}";
        }
        return null;
    }

    private string? FileProblem(LeftoverEntry file) =>
        file.Kind != LeftoverKind.Regular ? $"it is {Describe(file.Kind)}"
        : file.Links != 1 ? $"it has {file.Links} hard links"
        : !Owners.Contains(file.Owner) ? $"its owner is {file.Owner}"
        : null;

    private static string Describe(LeftoverKind kind) => kind switch
    {
        LeftoverKind.Regular => "a regular file",
        LeftoverKind.Folder => "a folder",
        LeftoverKind.Link => "a symbolic link",
        _ => "a FIFO, socket or device",
    };

    /// <summary>JSON-quoted: a name in a folder another account owns may hold anything, a newline included.</summary>
    internal static string Quote(string name) => JsonText.Quote(name);
}
