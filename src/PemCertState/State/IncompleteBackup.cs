namespace PemCertState.State;

/// <summary>
/// A folder named like a backup set, without manifest.json: the run that made it stopped while copying files into it (the
/// manifest is written after the copies), or someone else made it. It restores nothing, and a rollback never picks it.
/// </summary>
public sealed record IncompleteBackup(string Id, string Host, string Folder);
