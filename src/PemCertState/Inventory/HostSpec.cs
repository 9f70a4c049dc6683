namespace PemCertState.Inventory;

/// <summary>How to reach one machine.</summary>
/// <param name="HostKey">A pinned "SHA256:..." host key fingerprint; when set, known_hosts is not consulted for this host.</param>
/// <param name="PassphraseEnv">Name of the environment variable that holds the identity file's passphrase (never the passphrase itself).</param>
/// <param name="TrustedAccounts">Accounts besides root and the files' declared owner that may change the folders holding
/// pemstate's files on this host, and so may hold the private keys written there (hosts.NAME.trusted_accounts).</param>
/// <param name="CommandTimeout">How long one restart, reload or config test command on this host may run before its process
/// group is killed and the step fails; null: <see cref="DefaultCommandTimeout"/>.</param>
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
    IReadOnlyList<string>? TrustedAccounts = null,
    TimeSpan? CommandTimeout = null)
{
    public IReadOnlyList<string> TrustedAccounts { get; init; } = TrustedAccounts ?? [];

    /// <summary>Value equality, the list compared by its accounts (a record would compare the list's reference).</summary>
    public bool Equals(HostSpec? other) => other is not null
        && (Name, Transport, Address, Port, User, IdentityFile, KnownHosts, Sudo, HostKey, PassphraseEnv, CommandTimeout)
            == (other.Name, other.Transport, other.Address, other.Port, other.User, other.IdentityFile, other.KnownHosts, other.Sudo, other.HostKey, other.PassphraseEnv, other.CommandTimeout)
        && TrustedAccounts.SequenceEqual(other.TrustedAccounts, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Name, Transport, Address, Port, User, Sudo, CommandTimeout, TrustedAccounts.Count);

    /// <summary>
    /// Five minutes: a PostgreSQL restart waits for a checkpoint and for recovery, which on a busy server takes minutes, and
    /// a timeout that fires during a healthy restart leaves the server half-restarted. Long enough for that, short
    /// enough that a hung command does not hold the apply lock for the night.
    /// </summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(300);

    public TimeSpan EffectiveCommandTimeout => CommandTimeout ?? DefaultCommandTimeout;
}
