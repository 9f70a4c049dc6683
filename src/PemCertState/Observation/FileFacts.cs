using PemCertState.Facts;
using PemCertState.Hosts;

namespace PemCertState.Observation;

/// <summary>What is known about one file without its content: enough to plan modes, owners and staleness.</summary>
/// <param name="Sha256">Lower-case hex of the content; empty when the file is missing.</param>
public sealed record FileFacts(string Host, string Path, bool Exists, UnixFileMode Mode, string? Owner, string Sha256)
{
    /// <summary>Folders on the way to the file that an account other than root can change (empty: none).</summary>
    public IReadOnlyList<WritableFolder> WritableFolders { get; init; } = [];

    /// <summary>What interrupted writes left in the file's folder (<see cref="FileSnapshot.Leftovers"/>); null when the folder is missing.</summary>
    public IReadOnlyList<LeftoverEntry>? Leftovers { get; init; }

    public static FileFacts From(FileSnapshot snapshot) => new(
        snapshot.Host, snapshot.Path, snapshot.Exists, snapshot.Mode, snapshot.Owner,
        snapshot.Sha256)
    {
        WritableFolders = snapshot.WritableFolders,
        Leftovers = snapshot.Leftovers,
    };
}
