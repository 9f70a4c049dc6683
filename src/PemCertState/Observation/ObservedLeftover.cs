using PemCertState.Facts;
using PemCertState.Hosts;

namespace PemCertState.Observation;

/// <summary>Something in a managed folder named like what an interrupted write of pemstate's leaves (see <see cref="LeftoverEntry"/>).</summary>
/// <param name="Folder">The managed folder it is in.</param>
public sealed record ObservedLeftover(string Host, string Folder, LeftoverEntry Entry)
{
    public string Path => System.IO.Path.Combine(Folder, Entry.Name);
}
