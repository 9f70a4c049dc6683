namespace PemCertState.Facts;

/// <summary>
/// An entry of a managed folder named like what an interrupted write of pemstate's leaves there: its private folder
/// (".pemstate-" and a random name), an older pemstate's temp file ("*.pemstate-tmp") or the staged copy of a key and certificate
/// switch ("*.next"), with what lstat says of it.
/// Facts only: whether it is pemstate's is for the planner to judge, and the host checks it again before removing it.
/// </summary>
/// <param name="Mode">Permission bits, setuid, setgid and sticky included.</param>
/// <param name="Owner">User name of the owner (the uid as text when it has none).</param>
/// <param name="Ours">Owned by the account pemstate runs as: nobody else can make such a folder, or put a name in it when it is 0700.</param>
/// <param name="Links">Hard links to it.</param>
/// <param name="Entries">For a real folder of ours, what it holds, each the same way (without Entries); null for anything else,
/// which is never looked into. At most <see cref="MaxEntries"/>: a folder holding more is more than a write leaves.</param>
public sealed record LeftoverEntry(string Name, LeftoverKind Kind, UnixFileMode Mode, string Owner, bool Ours, long Links, IReadOnlyList<LeftoverEntry>? Entries = null)
{
    /// <summary>How many look-alikes a folder reports, and entries a private folder: a write leaves one, an account filling its folder with names must not grow the run.</summary>
    public const int MaxEntries = 64;

    /// <summary>Names worth a look: the prefix of pemstate's private folders, the suffix of an older pemstate's temp files and
    /// of the staged copies of a key and certificate switch (Inventory.StagedFiles).</summary>
    public static bool IsCandidate(ReadOnlySpan<byte> name) => name.StartsWith(".pemstate-"u8) || name.EndsWith(".pemstate-tmp"u8) || name.EndsWith(".next"u8);
}
