namespace PemCertState.Observation;

public sealed record ObservedServer(
    ObservedKey CaKey,
    ObservedCertificate CaCertificate,
    ObservedBundle Root,
    ObservedCrl Crl,
    ObservedKey Key,
    ObservedCertificate Certificate,
    ObservedConfig Settings)
{
    /// <summary>
    /// Where each SSL setting that is set anywhere gets its value, as PostgreSQL reads its config: postgresql.conf, the files
    /// it includes (include, include_if_exists, include_dir, inside data_dir), then postgresql.auto.conf (ALTER SYSTEM); the
    /// last assignment wins. <see cref="Settings"/> holds postgresql.conf's own lines only.
    /// </summary>
    public IReadOnlyDictionary<string, SettingSource> Sources { get; init; } = new Dictionary<string, SettingSource>();

    /// <summary>The files postgresql.conf includes that were read (to back up before one is edited).</summary>
    public IReadOnlyList<FileFacts> Included { get; init; } = [];

    /// <summary>Includes that were not followed, and why (outside data_dir, a link, too deep, missing): a plan warning each.</summary>
    public IReadOnlyList<string> ConfigNotes { get; init; } = [];
}
