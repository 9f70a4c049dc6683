using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// postgresql.conf's SSL settings, whichever CA signs the files they name: <see cref="WantedServerSettings"/>, with
/// ssl_crl_file commented out when the CA gives no CRL (crl: none, as EDB's procedure says). A setting whose value comes
/// from another file (an include, postgresql.auto.conf) is not edited here: it is reported (ServerSettings.Files.cs).
/// </summary>
internal static partial class ServerSettings
{
    private static readonly Dictionary<string, SettingSource> None = [];

    /// <summary>
    /// The settings step, with what the files say that no step can change: notes on postgresql.conf, a setting an include or
    /// postgresql.auto.conf sets otherwise, one the running server takes from a file pemstate does not read. Both issuers plan
    /// the server's settings here; a rotation in progress plans its own settings (<paramref name="edit"/> false), the notes stand.
    /// </summary>
    public static bool Plan(ServerSpec server, ObservedState observed, bool crl, bool edit, List<PlanStep> steps, List<string> warnings)
    {
        var seen = observed.Server;
        warnings.AddRange(seen.ConfigNotes);
        warnings.AddRange(SetElsewhere(server, seen, crl).Select(e => e.Message));
        var changed = edit && Plan(server, seen.Settings, seen.Sources, crl, steps);
        warnings.AddRange(RunningFromUnreadFiles(server, observed, crl));
        return changed;
    }

    /// <param name="seen">postgresql.conf as the steps before this one leave it (rotation phase 1 may have commented a line out).</param>
    /// <param name="sources">Where each setting the server reads is set; null: judge postgresql.conf's own lines only.</param>
    /// <param name="crl">The CA gives a CRL: ssl_crl_file names root.crl; else an active ssl_crl_file is commented out.</param>
    public static bool Plan(ServerSpec server, ObservedConfig seen, IReadOnlyDictionary<string, SettingSource>? sources, bool crl, List<PlanStep> steps)
    {
        sources ??= None;
        var changes = new List<SettingChange>();
        foreach (var (name, value, file) in WantedServerSettings)
        {
            var have = seen.Settings.GetValueOrDefault(name);
            if (!crl && name == "ssl_crl_file")
            {
                if (have is not null) changes.Add(new SettingChange(name, have, "") { CommentOut = true });
                continue;
            }
            // A value from another file: right, nothing to do; wrong, reported (editing postgresql.conf would change nothing).
            if (sources.TryGetValue(name, out var source) && source.File != seen.File.Path) continue;
            if (!SameSetting(server, have, value, file)) changes.Add(new SettingChange(name, have, value));
        }
        if (changes.Count == 0) return false;

        var reason = seen.File.Exists
            ? string.Join("; ", changes.Select(c => c.CommentOut
                ? $"ssl_crl_file is '{c.Before}', but the trusted CA gives no CRL (crl: none): commented out, as EDB's procedure says"
                : c.Describe()))
            : "postgresql.conf is missing; it is created with the SSL settings";
        Planner.AddBackup(Addresses.ServerSettings, server.Host, server.BackupDir, [seen.File], reason, steps);
        steps.Add(new EditSettingsStep(Addresses.ServerSettings, server.Host, reason, seen.File.Path, changes, ConfigFormat.PostgresqlConf));
        return true;
    }
}
