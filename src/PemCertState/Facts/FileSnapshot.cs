using PemCertState.Inventory;
namespace PemCertState.Facts;

/// <summary>A file as read from a host. Content may hold key bytes: never log or render it.</summary>
/// <param name="Owner">User name of the owner (the numeric uid as text when the name is unknown).</param>
public sealed record FileSnapshot(string Host, string Path, bool Exists, byte[] Content, UnixFileMode Mode, string? Owner)
{
    public static FileSnapshot Missing(string host, string path) => new(host, path, false, [], 0, null);

    /// <summary>
    /// Folders on the way to the file (or to where it would be) that an account other than root can change; empty when
    /// only root can. Hosts that cannot tell leave it empty.
    /// </summary>
    public IReadOnlyList<WritableFolder> WritableFolders { get; init; } = [];

    /// <summary>
    /// The entries of the file's folder named like what an interrupted write of pemstate's leaves (<see cref="LeftoverEntry"/>),
    /// in name order, at most <see cref="LeftoverEntry.MaxEntries"/>; null when the folder itself is missing (or the host was
    /// not asked). Found with the read, on the folder it already holds: no folder is walked to twice.
    /// </summary>
    public IReadOnlyList<LeftoverEntry>? Leftovers { get; init; }

    /// <summary>
    /// Set instead of <see cref="Content"/> (then empty) when the file holds a private key and its host keeps its keys
    /// (<see cref="IHost.KeepsKeys"/>): the key's hash and public half, never its bytes.
    /// </summary>
    public SealedKey? Sealed { get; init; }

    /// <summary>Lower-case hex SHA-256 of the content (of the key file, for a sealed one); empty when missing.</summary>
    public string Sha256 => !Exists ? "" : Sealed?.Sha256 ?? Crypto.Fingerprints.Sha256Hex(Content);

    /// <summary>"0600" style, as people write modes.</summary>
    public string ModeText => FileModes.Format(Mode);
}
