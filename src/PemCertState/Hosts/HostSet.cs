using PemCertState.Inventory;

namespace PemCertState.Hosts;

/// <summary>One open connection per declared host, made on first use and reused for every step on it.</summary>
/// <param name="ssh">Run-wide SSH choices (--accept-new-host-keys); null: strict defaults.</param>
public sealed class HostSet(DesiredState desired, SshOptions? ssh = null) : IAsyncDisposable
{
    private readonly SshOptions _ssh = ssh ?? new SshOptions();

    private readonly Dictionary<string, IHost> _open = new(StringComparer.Ordinal);
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
                    HostTransport.Ssh => new SshHost(spec, _ssh),
                    _ => throw new HostOperationException(name, spec.Address ?? name, $"transport {spec.Transport} is not supported"),
                };
                _open[name] = host;
                return host;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _open.Values) await host.DisposeAsync().ConfigureAwait(false);
        _open.Clear();
    }
}
