using System.Diagnostics;
using System.Globalization;

namespace PemCertState.Tests.Support;

/// <summary>
/// A `sleep` no other test or engineer runs (its length carries a random fraction), so that a test can ask whether
/// the one it started is still there, and kill exactly that one afterwards.
/// </summary>
internal sealed class StrayProcesses : IDisposable
{
    public StrayProcesses() =>
        Sleep = $"sleep 1000.{Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The command, e.g. "sleep 1000.483920".</summary>
    public string Sleep { get; }

    /// <summary>Pids of the sleep processes themselves (not of a shell whose command line mentions them).</summary>
    public IReadOnlyList<int> Running()
    {
        var found = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid)) continue;
            try
            {
                var line = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ').Trim();
                if (line == Sleep || line == "/usr/bin/" + Sleep || line == "/bin/" + Sleep) found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    /// <summary>
    /// What still runs once <paramref name="limit"/> has passed, or nothing as soon as nothing does: SIGKILL is sent to a
    /// group at once, but a sleep on a loaded machine is gone from /proc only once it was scheduled to die.
    /// </summary>
    public IReadOnlyList<int> StillRunningAfter(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var running = Running();
            if (running.Count == 0 || clock.Elapsed > limit) return running;
            Thread.Sleep(50);
        }
    }

    /// <summary>Kills what the test left, by pid: a failing test must not leave a 1000 s sleep behind.</summary>
    public void Dispose()
    {
        foreach (var pid in Running())
        {
            try { using var process = Process.GetProcessById(pid); process.Kill(); }
            catch (ArgumentException) { }
            catch (InvalidOperationException) { }
        }
    }
}
