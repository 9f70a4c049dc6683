using System.Diagnostics;
using System.Security.Cryptography;
using PemCertState.Application;
using PemCertState.Database;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.Inventory;
using PemCertState.Verification;

namespace PemCertState.IntegrationTests.Support;

/// <summary>
/// Agents logging in to the real server in a loop, each login a fresh connection (Npgsql, pooling off: a new TCP connection,
/// TLS handshake with the agent's client certificate, and cert authentication, every time; a psql process each took over a
/// second on a busy 2-core machine). Every login is an agent starting at that moment: it reads agent.cfg, loads the key and
/// certificate it names, and connects with them. A pair that does not belong together at that moment fails the login (as
/// libpq's "key values mismatch" does), as does a server that is restarting or refuses the certificate. sslmode=require: the
/// server's side (is it up, does it accept the agent) is what is measured, not the client's trust in the server.
/// </summary>
internal sealed class LoginLoop : IAsyncDisposable
{
    private readonly DatabaseSpec _server;
    private readonly IReadOnlyList<(string User, string Config)> _agents;
    private readonly int _workers;
    private readonly TimeSpan _period;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<string> _failures = [];
    private readonly Stopwatch _clock = new();
    private Task[] _loops = [];
    private int _ok;

    /// <param name="agents">The role each agent logs in as and its agent.cfg.</param>
    /// <param name="workers">Logins at once.</param>
    /// <param name="period">Time from the start of one login of a worker to the start of its next.</param>
    public LoginLoop(PostgresFixture postgres, IReadOnlyList<(string User, string Config)> agents, int workers = 3, TimeSpan? period = null)
    {
        _server = new DatabaseSpec("127.0.0.1", postgres.Port, "pem", "-", null, "require");
        _agents = agents;
        _workers = workers;
        _period = period ?? TimeSpan.FromMilliseconds(100);
    }

    public void Start()
    {
        _clock.Start();
        _loops = [.. Enumerable.Range(0, _workers).Select(w => Task.Run(() => RunAsync(w)))];
    }

    /// <summary>Stops the loop and returns what it counted.</summary>
    public async Task<LoginCounts> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _clock.Stop();
        lock (_lock) return new LoginCounts(_ok, _failures.Count, _clock.Elapsed, [.. _failures.Order(StringComparer.Ordinal)]);
    }

    private async Task RunAsync(int worker)
    {
        for (var n = worker; !_stop.IsCancellationRequested; n++)
        {
            var started = _clock.Elapsed;
            var (user, config) = _agents[n % _agents.Count];
            var failure = await LoginAsync(user, config);
            lock (_lock)
            {
                if (failure is null) _ok++;
                else _failures.Add($"{started.TotalSeconds,6:F2}s {user}: {failure}");
            }
            var wait = started + _period - _clock.Elapsed;
            if (wait <= TimeSpan.Zero) continue;
            try { await Task.Delay(wait, _stop.Token); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Null when the login succeeded, else why it failed.</summary>
    private async Task<string?> LoginAsync(string user, string config)
    {
        try
        {
            var settings = File.ReadAllLines(config)
                .Select(l => l.Split('=', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
            var folder = Path.GetDirectoryName(config)!;
            var certificate = await File.ReadAllTextAsync(Path.GetFullPath(settings["agent_ssl_crt"], folder));
            var key = await File.ReadAllTextAsync(Path.GetFullPath(settings["agent_ssl_key"], folder));
            var login = await LiveVerifier.LoginAsync(_server, user, certificate, key, ServerTrust.NotNeeded, CancellationToken.None);
            return login.Succeeded ? null : login.Message;
        }
        catch (Exception e) when (e is IOException or KeyNotFoundException)
        {
            return $"agent.cfg or a file it names cannot be read: {e.Message}";
        }
        catch (CryptographicException e)
        {
            return $"the key and the certificate agent.cfg names do not belong together: {e.Message}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}

/// <param name="Failures">Each failed login: when (seconds into the loop), who, and what went wrong.</param>
internal sealed record LoginCounts(int Succeeded, int Failed, TimeSpan Elapsed, IReadOnlyList<string> Failures)
{
    public double PerSecond => (Succeeded + Failed) / Elapsed.TotalSeconds;

    public override string ToString() =>
        $"{Succeeded + Failed} logins in {Elapsed.TotalSeconds:F1} s ({PerSecond:F1}/s): {Succeeded} succeeded, {Failed} failed"
        + string.Concat(Failures.Take(10).Select(f => $"\n  {f}"));
}
