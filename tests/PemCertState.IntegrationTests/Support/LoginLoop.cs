using System.Diagnostics;
using System.Globalization;
using PemCertState.IntegrationTests.Fixtures;

namespace PemCertState.IntegrationTests.Support;

/// <summary>
/// Agents logging in to the real server in a loop, each login a fresh psql (libpq reads the key and certificate files at
/// every connection, as a PEM agent's reconnect does). Every login reads the agent's agent.cfg first and logs in with the
/// key and certificate it names, so that it follows whatever the agent would load if it (re)started at that moment.
/// sslmode=require: the server's side (does it still accept the agent, is it up) is what is measured, not the client's trust.
/// </summary>
internal sealed class LoginLoop : IAsyncDisposable
{
    private readonly PostgresFixture _postgres;
    private readonly IReadOnlyList<(string User, string Config)> _agents;
    private readonly TimeSpan _period;
    private readonly CancellationTokenSource _stop = new();
    private readonly int _workers;
    private readonly Lock _lock = new();
    private readonly List<string> _failures = [];
    private readonly Stopwatch _clock = new();
    private Task[] _loops = [];
    private int _ok;

    /// <param name="agents">The role each agent logs in as and its agent.cfg.</param>
    /// <param name="workers">Logins at once: a psql takes a few hundred milliseconds on a busy machine, so one alone would not
    /// reach 5 a second.</param>
    /// <param name="period">Time from the start of one login of a worker to the start of its next.</param>
    public LoginLoop(PostgresFixture postgres, IReadOnlyList<(string User, string Config)> agents, int workers = 4, TimeSpan? period = null)
    {
        _postgres = postgres;
        _agents = agents;
        _workers = workers;
        _period = period ?? TimeSpan.FromMilliseconds(250);
    }

    public void Start()
    {
        _clock.Start();
        _loops = [.. Enumerable.Range(0, _workers).Select(w => Task.Factory.StartNew(() => Run(w), TaskCreationOptions.LongRunning))];
    }

    /// <summary>Stops the loop and returns what it counted.</summary>
    public async Task<LoginCounts> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _clock.Stop();
        lock (_lock) return new LoginCounts(_ok, _failures.Count, _clock.Elapsed, [.. _failures.Order(StringComparer.Ordinal)]);
    }

    private void Run(int worker)
    {
        for (var n = worker; !_stop.IsCancellationRequested; n++)
        {
            var started = _clock.Elapsed;
            var (user, config) = _agents[n % _agents.Count];
            var (code, output) = Login(user, config);
            lock (_lock)
            {
                if (code == 0) _ok++;
                else _failures.Add($"{started.TotalSeconds,6:F2}s {user}: {output.Trim()}");
            }
            var wait = started + _period - _clock.Elapsed;
            if (wait > TimeSpan.Zero) _stop.Token.WaitHandle.WaitOne(wait);
        }
    }

    private (int ExitCode, string Output) Login(string user, string config)
    {
        var settings = File.ReadAllLines(config)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
        var folder = Path.GetDirectoryName(config)!;
        return Processes.Run("psql", ["-X", "-A", "-t", "-c", "select 1"], new Dictionary<string, string>
        {
            ["PGHOST"] = "127.0.0.1",
            ["PGPORT"] = _postgres.Port.ToString(CultureInfo.InvariantCulture),
            ["PGDATABASE"] = "pem",
            ["PGUSER"] = user,
            ["PGSSLMODE"] = "require",
            ["PGSSLROOTCERT"] = "/nonexistent/root.crt",
            ["PGSSLCERT"] = Path.GetFullPath(settings["agent_ssl_crt"], folder),
            ["PGSSLKEY"] = Path.GetFullPath(settings["agent_ssl_key"], folder),
            ["PGSSLCRL"] = "",
            ["PGCONNECT_TIMEOUT"] = "10",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}

/// <param name="Failures">Each failed login: when (seconds into the loop), who, and what psql said.</param>
internal sealed record LoginCounts(int Succeeded, int Failed, TimeSpan Elapsed, IReadOnlyList<string> Failures)
{
    public double PerSecond => (Succeeded + Failed) / Elapsed.TotalSeconds;

    public override string ToString() =>
        $"{Succeeded + Failed} logins in {Elapsed.TotalSeconds:F1} s ({PerSecond:F1}/s): {Succeeded} succeeded, {Failed} failed"
        + string.Concat(Failures.Take(10).Select(f => $"\n  {f}"));
}
