namespace PemCertState.Hosts;

/// <summary>
/// How large a file read from a host may be. The caller says which bound a read has (<see cref="IHost.ReadAsync(string, long, CancellationToken)"/>):
/// the managed files (certificates, keys, CRLs, configs) never come near <see cref="Managed"/>; pemstate's own state files in
/// the server's state_dir (journal.jsonl, issued.jsonl, loaded.jsonl, agents.json) hold a line per agent or per signed
/// certificate and pass it at fleet scale (a converging apply of 10,000 agents journals ~12.5 MB), so they are read up to
/// <see cref="State"/>, still a bound. RemoteFiles.py clamps what it is asked for to the same <see cref="State"/>.
/// </summary>
internal static class FileLimits
{
    public const long Managed = 8 * 1024 * 1024;

    public const long State = 256 * 1024 * 1024;
}
