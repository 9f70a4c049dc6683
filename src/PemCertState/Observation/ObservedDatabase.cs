using PemCertState.Database;
using PemCertState.Facts;

namespace PemCertState.Observation;

/// <summary>
/// What the PEM database said, or why it said nothing. When <see cref="Reached"/> is false every
/// other member is empty and the plan works from the files alone, except <see cref="ServerCertificateSha256"/>
/// when the server's certificate was refused: a server that still presents a certificate from the CA root.crt no
/// longer holds is one that waits for its restart.
/// </summary>
/// <param name="Error">Why the database was not reached (no password in it, ever).</param>
/// <param name="Effective">SHOW values the server runs with now: ssl*, data_directory, config_file, hba_file.</param>
/// <param name="Roles">The agent roles the inventory needs (agent&lt;ID&gt; or the common user), by name.</param>
/// <param name="HbaRules">pg_hba.conf as the server parsed it; empty with <see cref="HbaError"/> set when it could not be read.</param>
/// <param name="ServerCertificateSha256">Fingerprint of the certificate the server presented (TLS only), to tell a pending restart.</param>
public sealed record ObservedDatabase(
    string Target,
    bool Reached,
    string? Error,
    IReadOnlyDictionary<string, string> Effective,
    IReadOnlyDictionary<string, RoleFacts> Roles,
    IReadOnlyList<HbaRule> HbaRules,
    string? HbaError,
    string? ServerCertificateSha256)
{
    /// <summary>Whether PEM's "Check CA certificate expiry" job is enabled; null when there is no such job, or the database was not reached.</summary>
    public bool? RenewalJobEnabled { get; init; }

    /// <summary>pg_settings.context of each SSL setting (sighup: a reload loads it; postmaster: only a restart does).</summary>
    public IReadOnlyDictionary<string, string> Contexts { get; init; } = new Dictionary<string, string>();

    /// <summary>pg_settings.sourcefile and sourceline of each SSL setting a file sets (superuser or pg_read_all_settings only; else empty).</summary>
    public IReadOnlyDictionary<string, (string File, int Line)> Sources { get; init; } = new Dictionary<string, (string, int)>();

    /// <summary>The role pemstate logs in as, quoted as an SQL identifier; null when the database was not reached.</summary>
    public string? Role { get; init; }

    /// <summary>Whether that role may run pg_reload_conf() (has_function_privilege ... EXECUTE); null when the database was not reached.</summary>
    public bool? MayReload { get; init; }

    public static ObservedDatabase NotReached(string target, string error, string? presentedSha256 = null) =>
        new(target, false, error, new Dictionary<string, string>(), new Dictionary<string, RoleFacts>(), [], null, presentedSha256);
}
