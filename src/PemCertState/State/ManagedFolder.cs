namespace PemCertState.State;

/// <summary>A folder pemstate writes files into (each through a private folder of its own, then renamed out), and what it writes there.</summary>
/// <param name="Names">The file names it writes in this folder: all a private folder or an older pemstate's temp file there may be for.</param>
/// <param name="Owners">Owners it gives those files: root, and the owners the inventory declares. Those the files have now are added by the planner.</param>
/// <param name="Staged">Among <paramref name="Names"/>, the staged copies of a key or certificate (PairSwitch's: the live
/// name and ".next") that a switch interrupted by a crash leaves here as complete files.</param>
internal sealed record ManagedFolder(string Host, string Path, IReadOnlySet<string> Names, IReadOnlySet<string> Owners, IReadOnlySet<string> Staged);
