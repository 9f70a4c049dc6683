namespace PemCertState.Hosts;

/// <summary>Run-wide choices for hosts reached over SSH (command-line options, not inventory settings).</summary>
/// <param name="AcceptNewHostKeys">Append keys of hosts known_hosts does not know yet (never changed keys).</param>
/// <param name="ConnectTimeout">Bound on TCP connect plus handshake, so that an unreachable host fails quickly.</param>
/// <param name="Notice">Told about things a person should see (a host key added to known_hosts). May be called from several threads.</param>
public sealed record SshOptions(bool AcceptNewHostKeys = false, TimeSpan? ConnectTimeout = null, Action<string>? Notice = null)
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Where connects are logged with their duration (-v); none by default.</summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; init; }

    /// <summary>Told a host's name when its SSH session is up (logged in, its rights checked), once per host; a terminal
    /// counts them ("Connecting to 40 hosts: 12/40"). May be called from several threads.</summary>
    public Action<string>? Connected { get; init; }

    /// <summary>
    /// Shown every byte sent to and received from a host's file program (host, sent or received, bytes), before they are
    /// cleared: how a test proves what crosses the network. Internal: only tests set it; null (nobody) otherwise.
    /// </summary>
    internal Action<string, bool, ReadOnlyMemory<byte>>? Wire { get; init; }

    /// <summary>Told a host's name each time a remote command starts there (a batch of file operations, a restart): round trips, counted. May be called from several threads.</summary>
    public Action<string>? CommandRun { get; init; }

    public TimeSpan EffectiveConnectTimeout => ConnectTimeout ?? DefaultConnectTimeout;

    /// <summary>
    /// SSH handshakes under way at once across a run's hosts, as OpenSSH's fan-out runs 10 at a time: a key exchange is
    /// CPU work, and 200 begun at once on a 2-core controller each took longer than the connect timeout. A host's reads
    /// start as soon as its own handshake is done; the connect timeout counts from its start, not from the queue.
    /// </summary>
    public int HandshakesAtOnce { get; init; } = DefaultHandshakesAtOnce;

    public const int DefaultHandshakesAtOnce = 10;
}
