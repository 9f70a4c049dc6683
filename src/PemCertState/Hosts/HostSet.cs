using Microsoft.Extensions.Logging;
using PemCertState.Inventory;

namespace PemCertState.Hosts;

/// <summary>One open connection per declared host, made on first use and reused for every step on it.</summary>
/// <param name="ssh">Run-wide SSH choices (--accept-new-host-keys); null: strict defaults.</param>
/// <param name="loggers">When given (-v), every host operation is logged with its duration, and SSH connects too.</param>
public sealed class HostSet(DesiredState desired, SshOptions? ssh = null, ILoggerFactory? loggers = null) : IAsyncDisposable
{
    private readonly SshOptions _ssh = loggers is null ? ssh ?? new SshOptions() : (ssh ?? new SshOptions()) with { Logger = loggers.CreateLogger<SshHost>() };

    private readonly Dictionary<string, IHost> _open = new(StringComparer.Ordinal);

    /// <summary>Shared by this run's SSH hosts: <see cref="SshOptions.HandshakesAtOnce"/>.</summary>
    private readonly SemaphoreSlim _handshakes = new(Math.Max(1, (ssh ?? new SshOptions()).HandshakesAtOnce));
    private readonly Lock _lock = new();

    public IHost this[string name]
    {
        get
        {
            lock (_lock)
            {
                if (_open.TryGetValue(name, out var host)) return host;
                var spec = desired.Hosts[name];
                host = spec.Transport switch
                {
                    HostTransport.Local => new LocalHost(name, Path.GetDirectoryName(desired.SourcePath) ?? "."),
                    HostTransport.Ssh => NewSshHost(spec),
                    _ => throw new HostOperationException(name, spec.Address ?? name, $"transport {spec.Transport} is not supported"),
                };
                if (loggers is not null) host = new LoggedHost(host, loggers.CreateLogger("PemCertState.Hosts"));
                _open[name] = host;
                return host;
            }
        }
    }

    private SshHost NewSshHost(HostSpec spec)
    {
        ReserveThreads();
        return new SshHost(spec, _ssh, _handshakes);
    }

    /// <summary>
    /// SSH.NET waits synchronously inside its async calls (the key exchange of a connect, the confirmation of every
    /// channel it opens), each wait holding a thread-pool thread for a round trip. With ten hosts at once the pool,
    /// which starts with one thread per core and adds more only about twice a second, ran out: 100 agents on 10 hosts
    /// spent a second of a 2.5 s plan waiting for threads. Each SSH host may hold up to three at once (connect, exec,
    /// SFTP), so the pool is told to keep that many ready beside the cores.
    /// </summary>
    private static void ReserveThreads()
    {
        lock (ReserveLock)
        {
            _sshHosts++;
            ThreadPool.GetMinThreads(out var workers, out var completion);
            // Capped: a process that opens many host sets over its life (the tests) keeps counting.
            var wanted = Math.Min(Environment.ProcessorCount + 3 * _sshHosts, 512);
            if (workers < wanted) ThreadPool.SetMinThreads(wanted, completion);
        }
    }

    private static readonly Lock ReserveLock = new();
    private static int _sshHosts;

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _open.Values) await host.DisposeAsync().ConfigureAwait(false);
        _open.Clear();
    }
}
