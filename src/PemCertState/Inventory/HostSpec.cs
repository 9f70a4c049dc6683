namespace PemCertState.Inventory;

/// <summary>How to reach one machine.</summary>
/// <param name="HostKey">A pinned "SHA256:..." host key fingerprint; when set, known_hosts is not consulted for this host.</param>
/// <param name="PassphraseEnv">Name of the environment variable that holds the identity file's passphrase (never the passphrase itself).</param>
/// <param name="TrustedAccounts">Accounts besides root and the files' declared owner that may change the folders holding
/// pemstate's files on this host, and so may hold the private keys written there (hosts.NAME.trusted_accounts).</param>
public sealed record HostSpec(
    string Name,
    HostTransport Transport,
    string? Address = null,
    int Port = 22,
    string? User = null,
    string? IdentityFile = null,
    string? KnownHosts = null,
    bool Sudo = false,
    string? HostKey = null,
    string? PassphraseEnv = null,
    IReadOnlyList<string>? TrustedAccounts = null)
{
    public IReadOnlyList<string> TrustedAccounts { get; init; } = TrustedAccounts ?? [];
}
