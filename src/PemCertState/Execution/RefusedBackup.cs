namespace PemCertState.Execution;

/// <summary>A backup folder whose manifest.json failed a check: nothing in it is listed as a set or restored.</summary>
/// <param name="Id">The folder's name (the manifest's own id may be missing or forged).</param>
/// <param name="Manifest">Absolute path of the manifest on <see cref="Host"/>.</param>
/// <param name="Problems">Each thing wrong, naming the entry ("files[2] (path /etc/cron.d/x): ...").</param>
public sealed record RefusedBackup(string Id, string Host, string Manifest, IReadOnlyList<string> Problems)
{
    /// <summary>One line per problem, "host:manifest: problem", as the CLI prints them.</summary>
    public IEnumerable<string> Lines => Problems.Select(p => $"{Host}:{Manifest}: {p}");
}
