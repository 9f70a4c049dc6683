using System.Globalization;
using PemCertState.Execution;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using Spectre.Console;

namespace PemCertState.Cli;

/// <summary>
/// Progress for the long waits other than key generation, for a person at a terminal: each restart and reload as it
/// runs ("Restarting agent 3 on db-7 (systemctl restart pemagent)... done in 1.2 s"), SSH connects counted when there
/// are many hosts ("Connecting to 40 hosts: 12/40"), and a spinner while the hosts are observed. A verb gets one only
/// when stderr is a terminal (<see cref="For"/>); piped or redirected output never sees any of it.
/// </summary>
/// <remarks>
/// Whole lines, written under one lock: agents' lanes restart at once, and a restart that ends after another began is
/// told on its own line. While a live display owns the terminal (the key generation bar, the observing spinner), step
/// lines wait for it to go and connect counts go into the spinner's text, so that no two writers draw over each other.
/// </remarks>
internal sealed class WaitProgress(TextWriter output, TimeProvider clock, bool colour = false) : IProgress<StepProgress>
{
    /// <summary>At most one connect-count line a second, and always the last one: a counter, not a log.</summary>
    public static readonly TimeSpan CountEvery = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly HashSet<PlanStep> _shown = new(ReferenceEqualityComparer.Instance);
    private PlanStep? _open;
    private Action<string>? _status;
    private bool _quiet;

    /// <summary>The progress of a verb: on <paramref name="stderr"/> when the program believes it is a terminal, else none.</summary>
    public static WaitProgress? For(bool stderrIsTerminal, TextWriter stderr, TimeProvider clock, bool colour = false) =>
        stderrIsTerminal ? new WaitProgress(stderr, clock, colour) : null;

    public void Report(StepProgress value)
    {
        if (value.Action is not (StepAction.Restart or StepAction.Reload)) return;
        lock (_lock)
        {
            if (!value.Ended)
            {
                if (_quiet) return;
                CloseLine();
                output.Write($"{(value.Action == StepAction.Restart ? "Restarting" : "Reloading")} {Subject(value)} on {Printable.Of(value.Host)} ({Command(value.Step)})... ");
                output.Flush();
                _open = value.Step;
                _shown.Add(value.Step);
                return;
            }
            if (!_shown.Remove(value.Step)) return;
            var how = value.Error is null ? $"done in {Seconds(value.Elapsed)}" : $"failed after {Seconds(value.Elapsed)}";
            if (ReferenceEquals(_open, value.Step))
            {
                output.Write($"{how}\n");
                _open = null;
            }
            else
            {
                CloseLine();
                output.Write($"{(value.Action == StepAction.Restart ? "Restarted" : "Reloaded")} {Subject(value)} on {Printable.Of(value.Host)}: {how}\n");
            }
            output.Flush();
        }
    }

    /// <summary>
    /// What the SSH hosts of a run tell when each is connected (<see cref="Hosts.SshOptions.Connected"/>): a count,
    /// on one line at most every <see cref="CountEvery"/> and once all are up; null when there are fewer than two.
    /// </summary>
    public Action<string>? ConnectCounter(int hosts)
    {
        if (hosts < 2) return null;
        var connected = 0;
        var last = clock.GetTimestamp();
        return _ =>
        {
            lock (_lock)
            {
                connected++;
                var text = $"Connecting to {Counts.Of(hosts, "host")}: {connected}/{hosts}";
                if (_status is { } status)
                {
                    status(text);
                    return;
                }
                if (connected < hosts && clock.GetElapsedTime(last) < CountEvery) return;
                last = clock.GetTimestamp();
                CloseLine();
                output.Write($"{text}\n");
                output.Flush();
            }
        };
    }

    /// <summary>A spinner saying <paramref name="what"/> while <paramref name="work"/> runs (observing the hosts); connect counts show in it.</summary>
    public async Task<T> WhileAsync<T>(string what, Func<Task<T>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        return await console.Status().StartAsync(what, async context =>
        {
            lock (_lock) { CloseLine(); _status = text => context.Status = Markup.Escape(text); }
            try { return await work().ConfigureAwait(false); }
            finally { lock (_lock) _status = null; }
        }).ConfigureAwait(false);
    }

    /// <summary>While another live display (the key generation bar) owns the terminal, restarts are not shown; the next ones are.</summary>
    public IDisposable Quiet()
    {
        lock (_lock) { CloseLine(); _quiet = true; }
        return new Unquiet(this);
    }

    private sealed class Unquiet(WaitProgress progress) : IDisposable
    {
        public void Dispose() { lock (progress._lock) progress._quiet = false; }
    }

    private void CloseLine()
    {
        if (_open is null) return;
        output.Write("\n");
        _open = null;
    }

    /// <summary>"agent 3" of restart[agent 3], "server" of reload[server]: the address's subject, as the plan names it.</summary>
    private static string Subject(StepProgress value) => Printable.Of(value.Address.Target);

    private static string Command(PlanStep step) =>
        step switch
        {
            RestartStep restart => $"command {Printable.Of(restart.Command)}",
            ReloadStep { Command: { } command } => $"command {Printable.Of(command)}",
            TestConfigStep test => $"command {Printable.Of(test.Command)}",
            _ => Inventory.ServerReload.OverDatabase,
        };

    private static string Seconds(TimeSpan elapsed) => $"{elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
}
