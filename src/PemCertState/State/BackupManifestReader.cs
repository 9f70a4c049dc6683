using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PemCertState.Facts;
using PemCertState.Inventory;

namespace PemCertState.State;

/// <summary>
/// Reads a manifest.json as untrusted input: whoever owns the folder it sits in (an agent's account, the database's)
/// can write it, and a rollback runs as root. Every field is checked; a manifest with any wrong entry is refused whole,
/// because restoring the good half of a set would leave a mix no apply ever made.
/// </summary>
internal static partial class BackupManifestReader
{
    /// <summary>More entries than any apply writes into one folder (a handful of files, a few times over).</summary>
    public const int MaxEntries = 256;

    /// <summary>Reads the manifest of <paramref name="folder"/> on <paramref name="host"/>.</summary>
    /// <param name="restorable">The files the inventory lets a set in this folder put back (<see cref="RestorableFiles"/>).</param>
    /// <returns>The set, or the problems (never both).</returns>
    public static (BackupSet? Set, IReadOnlyList<string> Problems) Read(byte[] content, string host, string folder, IReadOnlyDictionary<string, RestorableFile> restorable)
    {
        var problems = new List<string>();
        JsonObject? root;
        try { root = JsonNode.Parse(content) as JsonObject; }
        catch (JsonException e) { return (null, [$"not valid JSON: {e.Message}"]); }
        if (root is null) return (null, ["not a JSON object"]);

        var name = Path.GetFileName(folder);
        var id = Text(root, "id", problems);
        if (id is not null && !IdPattern().IsMatch(id)) problems.Add($"id {Quote(id)} is not a backup id (yyyyMMddTHHmmssZ, optionally -N)");
        else if (id is not null && id != name) problems.Add($"id {Quote(id)} is not the name of its folder ({Quote(name)})");

        DateTimeOffset createdAt = default;
        if (Text(root, "created_at", problems) is { } created
            && !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out createdAt))
            problems.Add($"created_at {Quote(created)} is not a time");

        var rollbackOf = OptionalText(root, "rollback_of", problems);
        if (rollbackOf is not null && !IdPattern().IsMatch(rollbackOf)) problems.Add($"rollback_of {Quote(rollbackOf)} is not a backup id");

        if (Text(root, "host", problems) is { } manifestHost && manifestHost != host)
            problems.Add($"host {Quote(manifestHost)} is not the host it was found on ({host})");

        var entries = new List<BackupManifestEntry>();
        if (root["files"] is not JsonArray files) problems.Add("files is missing or not a list");
        else if (files.Count > MaxEntries) problems.Add($"files has {files.Count} entries, more than {MaxEntries}");
        else
        {
            for (var i = 0; i < files.Count; i++)
                if (Entry(files[i], i, host, restorable, problems) is { } entry) entries.Add(entry);
        }
        return problems.Count > 0 ? (null, problems) : (new BackupSet(id!, createdAt, host, folder, entries, rollbackOf), []);
    }

    private static BackupManifestEntry? Entry(JsonNode? node, int index, string host, IReadOnlyDictionary<string, RestorableFile> restorable, List<string> problems)
    {
        if (node is not JsonObject file)
        {
            problems.Add($"files[{index}] is not an object");
            return null;
        }
        var own = new List<string>();
        var path = Text(file, "path", own);
        var address = Text(file, "address", own);
        var entryHost = Text(file, "host", own);
        var backupFile = Text(file, "backup_file", own);
        var sha256 = Text(file, "sha256", own);
        var mode = Text(file, "mode", own);
        var owner = OptionalText(file, "owner", own);

        RestorableFile? target = null;
        if (path is not null && !restorable.TryGetValue(path, out target))
            own.Add("path is not a file the inventory manages with backups in this folder; a rollback restores only those");
        ResourceAddress resource = default;
        if (address is not null && !ResourceAddress.TryParse(address, out resource))
            own.Add($"address {Quote(address)} is not a resource address");
        else if (target is not null && address is not null && !target.Addresses.Contains(resource))
            own.Add($"address {Quote(address)} is not the resource of that file ({string.Join(" or ", target.Addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal))})");
        if (entryHost is not null && entryHost != host) own.Add($"host {Quote(entryHost)} is not the host it was found on ({host})");
        if (backupFile is not null && !IsPlainName(backupFile))
            own.Add($"backup_file {Quote(backupFile)} is not a plain file name inside the backup set's folder");
        if (sha256 is not null && !Sha256Pattern().IsMatch(sha256)) own.Add($"sha256 {Quote(sha256)} is not a SHA-256 (64 hex digits)");
        if (mode is not null && !ModePattern().IsMatch(mode)) own.Add($"mode {Quote(mode)} is not a file mode between 0000 and 0777");
        if (owner is not null && !OwnerPattern().IsMatch(owner)) own.Add($"owner {Quote(owner)} is not a user name");

        var label = path is null ? $"files[{index}]" : $"files[{index}] (path {Quote(path)})";
        problems.AddRange(own.Select(p => $"{label}: {p}"));
        return own.Count > 0 ? null : new BackupManifestEntry(resource, host, path!, backupFile!, sha256!.ToLowerInvariant(), mode!, owner);
    }

    /// <summary>A name pemstate gives a backup set's folder (yyyyMMddTHHmmssZ, optionally -N).</summary>
    public static bool IsBackupId(string name) => IdPattern().IsMatch(name);

    /// <summary>A name, not a path: no '/', not "." or "..", no control characters, not the manifest itself.</summary>
    public static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 255 && name is not "." and not ".." and not "manifest.json"
        && !name.Contains('/', StringComparison.Ordinal) && !name.Any(char.IsControl);

    private static string? Text(JsonObject parent, string name, List<string> problems)
    {
        var node = parent[name];
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() is { Length: > 0 } text)
        {
            if (!text.Any(char.IsControl)) return text;
            problems.Add($"{name} holds control characters");
            return null;
        }
        problems.Add(node is null ? $"{name} is missing or null" : $"{name} is not a non-empty string");
        return null;
    }

    private static string? OptionalText(JsonObject parent, string name, List<string> problems) =>
        parent[name] is null ? null : Text(parent, name, problems);

    /// <summary>JSON-quoted, so that a forged value with odd characters prints as one visible token.</summary>
    private static string Quote(string text) => JsonText.QuoteCut(text);

    [GeneratedRegex(@"^[0-9]{8}T[0-9]{6}Z(-[0-9]{1,6})?$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();

    // "0600" as FileModes.Format writes it; at most 0777: no setuid, setgid or sticky bit comes back from a manifest.
    [GeneratedRegex("^0?[0-7]{3}$")]
    private static partial Regex ModePattern();

    // What useradd accepts (and a numeric uid, as FileSnapshot.Owner gives for an unknown one); never a path or an option.
    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$")]
    private static partial Regex OwnerPattern();
}
