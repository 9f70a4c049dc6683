namespace PemCertState.Inventory;

/// <summary>How to reach one machine. Only <see cref="HostTransport.Local"/> is executed today.</summary>
public sealed record HostSpec(
    string Name,
    HostTransport Transport,
    string? Address = null,
    int Port = 22,
    string? User = null,
    string? IdentityFile = null,
    string? KnownHosts = null,
    bool Sudo = false);
