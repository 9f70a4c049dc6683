namespace PemCertState.Cli;

/// <summary>Command-line choices about remote hosts, shared by the verbs that observe.</summary>
/// <param name="AcceptNewHostKeys">--accept-new-host-keys: add keys of hosts known_hosts does not know (never changed ones).</param>
/// <param name="SkipHosts">--skip-host: hosts left out of the run, with their agents.</param>
internal sealed record RemoteOptions(bool AcceptNewHostKeys, IReadOnlyList<string> SkipHosts)
{
    /// <summary>-v: hosts connected, files read, commands run, with timings, logged on stderr; null without -v.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? Loggers { get; init; }

    /// <summary>Progress of long waits (connects, observing, restarts) when stderr is a terminal; null otherwise.</summary>
    public WaitProgress? Waits { get; init; }

    /// <summary>SSH handshakes under way at once (<see cref="PemCertState.Hosts.SshOptions.HandshakesAtOnce"/>): apply's --parallelism, 10 otherwise.</summary>
    public int Connections { get; init; } = PemCertState.Hosts.SshOptions.DefaultHandshakesAtOnce;
}
