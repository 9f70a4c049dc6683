using System.Text.Json;
using PemCertState.Inventory;

namespace PemCertState.Observation;

/// <summary>
/// What a ledger entry must look like before anything is done with it, and where a retired agent's files may be. The
/// ledger is read from data_dir, which the database account owns: an entry it invents must not make root delete files
/// elsewhere, nor revoke a certificate that is still in use.
/// </summary>
internal static class LedgerEntryRules
{
    /// <summary>Longer than any real subject, issuer or reason; keeps a forged ledger from filling memory and plans.</summary>
    public const int MaxText = 1024;

    /// <summary>Longer than any path pemstate writes (PATH_MAX is 4096).</summary>
    public const int MaxPath = 4096;

    /// <summary>A retired agent's serials: the ledger's and the one found on its host, so two; a few to spare.</summary>
    public const int MaxSerials = 8;

    /// <summary>Everything wrong with the entry's fields (types, bounds, shapes); empty when it may be considered at all.</summary>
    public static List<string> Problems(LedgerEntry? entry)
    {
        if (entry is null) return ["is null"];
        var problems = new List<string>();
        if (entry.Id < 1) problems.Add($"id {entry.Id} is not an agent id (1 or more)");
        if (entry.Host is not { Length: > 0 and <= 255 } host || host.Any(char.IsControl)) problems.Add("host is missing, too long or holds control characters");
        CheckPath("key", entry.Key, problems);
        CheckPath("certificate", entry.Certificate, problems);
        CheckPath("backup_dir", entry.BackupDir, problems);
        CheckText("subject", entry.Subject, problems);
        CheckText("issuer", entry.Issuer, problems);
        if (!IsSerial(entry.Serial)) problems.Add($"serial {Quote(entry.Serial)} is not a certificate serial (1 to 40 hex digits)");
        return problems;
    }

    /// <summary>Hex, at most 20 bytes (RFC 5280's limit for a serial), as <see cref="Crypto.CertificateSummary.Serial"/> writes it.</summary>
    public static bool IsSerial(string? serial) =>
        serial is { Length: > 0 and <= 40 } && serial.All(Uri.IsHexDigit);

    /// <summary>
    /// The files a ledger agent that left the managed set may have, derived from the inventory and never from the
    /// ledger: its entry in agents.list when the inventory still lists it (discover: database, inactive), else
    /// agents.defaults.cert_dir with its id. Null when the entry's paths are exactly those; else why they are not.
    /// </summary>
    public static string? PathProblem(AgentsSpec agents, LedgerEntry entry)
    {
        var listed = agents.Declared.FirstOrDefault(a => a.Id == entry.Id);
        var certDir = listed?.CertDir ?? agents.DefaultCertDirFor(entry.Id);
        var key = PemFiles.AgentKey(agents, entry.Id, certDir);
        var certificate = PemFiles.AgentCertificate(agents, entry.Id, certDir);
        var backups = PemFiles.AgentBackupDir(certDir);
        var wrong = new List<string>();
        if (listed is not null && listed.Host != entry.Host) wrong.Add($"host {Quote(entry.Host)} is not {listed.Host}");
        if (entry.Key != key) wrong.Add($"key {Quote(entry.Key)} is not {key}");
        if (entry.Certificate != certificate) wrong.Add($"certificate {Quote(entry.Certificate)} is not {certificate}");
        if (entry.BackupDir != backups) wrong.Add($"backup_dir {Quote(entry.BackupDir)} is not {backups}");
        if (wrong.Count == 0) return null;
        var from = listed is not null ? $"agents.list gives agent {entry.Id}" : $"agents.defaults.cert_dir gives agent {entry.Id}";
        return $"{string.Join(", ", wrong)} ({from} cert_dir {certDir})";
    }

    private static void CheckPath(string name, string? path, List<string> problems)
    {
        if (path is not { Length: > 1 and <= MaxPath } || !path.StartsWith('/') || path.Any(char.IsControl)
            || path.Split('/').Any(part => part is "." or "..") || path.EndsWith('/'))
            problems.Add($"{name} {Quote(path)} is not a plain absolute path");
    }

    private static void CheckText(string name, string? text, List<string> problems)
    {
        if (text is null || text.Length > MaxText || text.Any(char.IsControl)) problems.Add($"{name} is missing, too long or holds control characters");
    }

    /// <summary>JSON-quoted and cut short, so that a forged value prints as one visible token.</summary>
    public static string Quote(string? text) => JsonText.QuoteCut(text);
}
