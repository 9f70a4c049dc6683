using System.Diagnostics;

namespace PemCertState.Tests.Support;

/// <summary>The built `pemstate` run as a child process, the way a script or CI job runs it: no terminal, CI=true.</summary>
internal static class Pemstate
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, params string[] arguments) =>
        RunWith(workingDirectory, null, arguments);

    /// <param name="environment">Extra variables (e.g. a later PEMSTATE_NOW); null values remove a variable.</param>
    public static (int ExitCode, string Stdout, string Stderr) RunWith(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        using var process = Start(workingDirectory, environment, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(true); throw new TimeoutException("pemstate did not finish in 120 s"); }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts pemstate and returns at once; the caller reads its output and may kill it.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pemstate.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["CI"] = "true";
        start.Environment["PEMSTATE_NOW"] = Lab.Today.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("PEMSTATE_FILE");
        start.Environment.Remove("PEMSTATE_FAILPOINT_AFTER_STEP");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    /// <summary>Runs an apply that stops dead after step <paramref name="step"/>, then kills it with SIGKILL, as a power loss would.</summary>
    public static void ApplyAndKillAfterStep(string workingDirectory, int step, DateTimeOffset? now = null, string[]? extra = null) =>
        RunAndKillAfterStep(workingDirectory, step, now, ["apply", "--auto-approve", .. extra ?? []]);

    /// <summary>Runs a verb that carries out steps (apply, rollback) until it stops dead after step <paramref name="step"/>, then kills it with SIGKILL.</summary>
    public static void RunAndKillAfterStep(string workingDirectory, int step, DateTimeOffset? now, params string[] arguments)
    {
        var environment = new Dictionary<string, string?> { ["PEMSTATE_FAILPOINT_AFTER_STEP"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (now is { } at) environment["PEMSTATE_NOW"] = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        using var process = Start(workingDirectory, environment, arguments);
        _ = process.StandardOutput.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (process.StandardError.ReadLine() is { } line)
        {
            if (line.Contains("failpoint: stopped after step", StringComparison.Ordinal)) break;
            if (DateTime.UtcNow > deadline) break;
        }
        process.Kill(entireProcessTree: true); // SIGKILL: no finally block, no lock release, no journal end
        process.WaitForExit();
    }
}
