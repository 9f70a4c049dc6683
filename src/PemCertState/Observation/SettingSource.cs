namespace PemCertState.Observation;

/// <summary>The assignment of a setting that PostgreSQL uses: its value, the file and the 1-based line.</summary>
public sealed record SettingSource(string Name, string Value, string File, int Line)
{
    /// <summary>postgresql.auto.conf: written by ALTER SYSTEM, overriding every other file.</summary>
    public bool IsAutoConf => System.IO.Path.GetFileName(File) == AutoConf;

    public const string AutoConf = "postgresql.auto.conf";
}
