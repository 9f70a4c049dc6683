using System.Diagnostics;
using System.Globalization;

namespace PemCertState.Benchmarks;

internal sealed record ChildRun(double Seconds, int ExitCode, string Stdout, string Stderr, long PeakRssKib);

/// <summary>
/// Runs a child process the way a CI pipeline would: CI=true, NO_COLOR=1, stdin closed, output piped.
/// Wall time runs from just before Process.Start to the child's exit. With <c>pollRss</c>, a second
/// thread reads VmHWM from /proc/PID/status every 2 ms; VmHWM only grows, so the last reading before
/// exit is the peak (bar whatever the child allocates in its last 2 ms).
/// </summary>
internal static class Child
{
    public static ChildRun Run(string file, IEnumerable<string> arguments, string? workingDirectory = null, bool pollRss = false)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["CI"] = "true";
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        long peak = 0;
        using var done = new ManualResetEventSlim();
        Thread? poller = null;
        if (pollRss)
        {
            var status = $"/proc/{process.Id}/status";
            poller = new Thread(() =>
            {
                do
                {
                    var hwm = ReadHwmKib(status);
                    if (hwm > peak) peak = hwm;
                }
                while (!done.Wait(2));
            }) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
            poller.Start();
        }

        process.WaitForExit();
        watch.Stop();
        done.Set();
        poller?.Join();
        return new ChildRun(watch.Elapsed.TotalSeconds, process.ExitCode, stdout.Result, stderr.Result, peak);
    }

    private static long ReadHwmKib(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var digits = line.AsSpan(6).Trim();
                if (digits.EndsWith("kB", StringComparison.Ordinal)) digits = digits[..^2].Trim();
                return long.Parse(digits, CultureInfo.InvariantCulture);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    /// <summary>Runs and insists on the expected exit code; the output goes into the exception otherwise.</summary>
    public static ChildRun RunChecked(string file, IEnumerable<string> arguments, string? workingDirectory = null, bool pollRss = false, int expectExit = 0)
    {
        var list = arguments.ToList();
        var run = Run(file, list, workingDirectory, pollRss);
        if (run.ExitCode != expectExit)
            throw new InvalidOperationException($"{file} {string.Join(' ', list)} exited {run.ExitCode} (want {expectExit})\nstdout:\n{Tail(run.Stdout)}\nstderr:\n{Tail(run.Stderr)}");
        return run;
    }

    private static string Tail(string s) => s.Length <= 4000 ? s : "..." + s[^4000..];
}
