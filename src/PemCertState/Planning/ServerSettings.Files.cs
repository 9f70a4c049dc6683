using PemCertState.Inventory;
using PemCertState.Observation;
using static PemCertState.Planning.Planner;

namespace PemCertState.Planning;

/// <summary>
/// postgresql.conf is not the only place an SSL setting lives (issue 20, item 9): an include (include, include_if_exists,
/// include_dir) or postgresql.auto.conf (ALTER SYSTEM) read after it wins. pemstate judges each setting by the value the
/// server will read, and edits only postgresql.conf: a setting whose value comes from another file is reported, with the
/// file, the line and what to do, never edited there. postgresql.auto.conf belongs to ALTER SYSTEM: an override there is a
/// superuser's deliberate choice, and neither pemstate's backups nor its rollback could put such a file back; an include
/// file is not among the files a rollback restores yet.
/// </summary>
internal static partial class ServerSettings
{
    /// <summary>The server's SSL settings as pemstate wants them: name, value, and the data_dir file a path setting names ("" for ssl).</summary>
    internal static readonly (string Name, string Value, string File)[] WantedServerSettings =
    [
        ("ssl", "on", ""),
        ("ssl_cert_file", PemFiles.ServerCertificate, PemFiles.ServerCertificate),
        ("ssl_key_file", PemFiles.ServerKey, PemFiles.ServerKey),
        ("ssl_ca_file", PemFiles.RootBundle, PemFiles.RootBundle),
        ("ssl_crl_file", PemFiles.RootCrl, PemFiles.RootCrl),
    ];

    /// <summary>The settings judged: all of <see cref="WantedServerSettings"/>, but ssl_crl_file when the CA gives no CRL.</summary>
    private static IEnumerable<(string Name, string Value, string File)> Judged(bool crl) =>
        crl ? WantedServerSettings : WantedServerSettings.Where(s => s.Name != "ssl_crl_file");

    /// <summary>The value the server reads for <paramref name="name"/>: from the file that sets it last, else postgresql.conf's own line.</summary>
    internal static string? ValueInFiles(ObservedServer seen, string name) =>
        seen.Sources.TryGetValue(name, out var source) ? source.Value : seen.Settings.Settings.GetValueOrDefault(name);

    /// <summary>Whether <paramref name="have"/> is what pemstate wants for a setting.</summary>
    internal static bool SameSetting(ServerSpec server, string? have, string value, string file) =>
        file.Length == 0 ? have is not null && IsOn(have) : have is not null && (have == value || SamePath(server.DataDir, have, file));

    /// <summary>
    /// Each SSL setting whose value comes from a file other than postgresql.conf and is not what pemstate wants, with the
    /// words for it: one list for the plan's warnings and verify's findings.
    /// </summary>
    /// <param name="crl">The CA gives a CRL; without one (a trusted CA's crl: none) ssl_crl_file is not judged here.</param>
    public static IReadOnlyList<(SettingSource Source, string Message)> SetElsewhere(ServerSpec server, ObservedServer seen, bool crl = true)
    {
        var result = new List<(SettingSource, string)>();
        foreach (var (name, value, file) in Judged(crl))
        {
            if (!seen.Sources.TryGetValue(name, out var source) || source.File == seen.Settings.File.Path) continue;
            if (SameSetting(server, source.Value, value, file)) continue;
            var want = file.Length == 0 ? "on" : $"'{value}'";
            var set = $"{name} = '{source.Value}' in {source.File} line {source.Line}";
            result.Add((source, source.IsAutoConf
                ? $"{set} (ALTER SYSTEM) overrides postgresql.conf, so the server uses it, not {want}. pemstate does not edit postgresql.auto.conf: "
                  + $"it belongs to ALTER SYSTEM, and its backups and rollback could not put it back. As a superuser run "
                  + $"`ALTER SYSTEM RESET {name}; SELECT pg_reload_conf();`, then plan again"
                : $"{set}, which postgresql.conf includes, overrides postgresql.conf, so the server uses it, not {want}. pemstate edits only "
                  + $"postgresql.conf: set {name} = {want} in that file (or remove the line), then plan again"));
        }
        return result;
    }

    /// <summary>The config files pemstate read: postgresql.conf, what it includes inside data_dir, postgresql.auto.conf.</summary>
    internal static HashSet<string> ReadConfigFiles(ServerSpec server, ObservedServer seen) =>
        seen.Included.Select(f => f.Path).Append(seen.Settings.File.Path)
            .Append(PemFiles.InDataDir(server, SettingSource.AutoConf)).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// With server.database: each SSL setting the running server takes from a file pemstate did not read (pg_settings.sourcefile:
    /// outside data_dir, or not reached from postgresql.conf), with a value that is not what pemstate wants. Nothing can be
    /// planned for it: pemstate neither reads nor edits that file.
    /// </summary>
    public static IReadOnlyList<string> RunningFromUnreadFiles(ServerSpec server, ObservedState observed, bool crl = true)
    {
        if (observed.Database is not { Reached: true } database) return [];
        var read = ReadConfigFiles(server, observed.Server);
        var result = new List<string>();
        foreach (var (name, value, file) in Judged(crl))
        {
            if (!database.Sources.TryGetValue(name, out var source) || read.Contains(source.File)) continue;
            var running = database.Effective.GetValueOrDefault(name);
            if (SameSetting(server, running, value, file)) continue;
            result.Add($"the server takes {name} = '{running}' from {source.File} line {source.Line} (pg_settings.sourcefile), a file pemstate does not read "
                + $"(outside data_dir, or not included from postgresql.conf), so it is not edited: set {name} = {(file.Length == 0 ? "on" : $"'{value}'")} there, or remove the line, then reload");
        }
        return result;
    }
}
