using System.Diagnostics;

namespace PemCertState.IntegrationTests.Support;

/// <summary>Runs the real tools (initdb, pg_ctl, psql) as child processes and hands back what they said.</summary>
internal static class Processes
{
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, int timeoutMs = 120_000)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs)) { process.Kill(true); throw new TimeoutException($"{file} did not finish in {timeoutMs} ms"); }
        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>The built `pemstate` CLI, as a script or CI job runs it: no terminal.</summary>
    public static (int ExitCode, string Output) Pemstate(params string[] arguments) =>
        Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "pemstate.dll"), .. arguments], new Dictionary<string, string> { ["CI"] = "true", ["NO_COLOR"] = "1" });

    public static string Check(string file, params string[] arguments)
    {
        var (code, output) = Run(file, arguments);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {code}: {output}");
        return output;
    }
}
