using PemCertState.Inventory;

namespace PemCertState.Verification;

/// <summary>Something wrong with what is on the hosts, found by <see cref="OfflineVerifier"/>.</summary>
/// <param name="Address">The resource's address as text, or what was checked that is no resource ("server.database", "server.pg_hba").</param>
public sealed record Finding(string Address, string Host, string Path, string Message)
{
    public Finding(ResourceAddress address, string host, string path, string message)
        : this(address.ToString(), host, path, message)
    {
    }
}
