namespace PemCertState.Hosts;

/// <summary>What known_hosts says about a key a server presented.</summary>
internal enum HostKeyVerdict
{
    /// <summary>The file holds this very key for the host.</summary>
    Known,

    /// <summary>The file holds no key of this type for the host: new, never trusted without --accept-new-host-keys.</summary>
    Unknown,

    /// <summary>The file holds another key of this type for the host: refused always, even with --accept-new-host-keys.</summary>
    Changed,

    /// <summary>An @revoked line names this key.</summary>
    Revoked,
}
