using System.ComponentModel;
using System.Diagnostics;

namespace PemCertState.Tests.Support;

/// <summary>Prometheus's own checker, /usr/bin/promtool (Debian package prometheus), run as a process.</summary>
internal static class Promtool
{
    /// <param name="stdin">Written to promtool's standard input (check metrics reads the exposition there); null: none.</param>
    public static (int ExitCode, string Output) Run(string? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo("promtool") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try { process = Process.Start(start)!; }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("promtool is not installed; install it with: apt-get install -y prometheus (scripts/test.sh does)", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (stdin is not null) process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            if (!process.WaitForExit(60_000)) { process.Kill(true); throw new TimeoutException("promtool did not finish in 60 s"); }
            return (process.ExitCode, output.Result + error.Result);
        }
    }

    /// <summary>`promtool check metrics`: the exposition parses and follows Prometheus's naming rules; its complaints, or empty.</summary>
    public static string CheckMetrics(string exposition)
    {
        var (exitCode, output) = Run(exposition, "check", "metrics");
        return exitCode == 0 && output.Trim().Length == 0 ? "" : $"promtool check metrics exited {exitCode}: {output}";
    }
}
