using System.Diagnostics;

namespace PemCertState.IntegrationTests.Support;

/// <summary>The built `pemstate` run as a child process, as a CI job runs it: no terminal, CI=true.</summary>
internal static class SshCli
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, params string[] arguments)
    {
        using var process = Start(workingDirectory, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(true); throw new TimeoutException("pemstate did not finish in 120 s"); }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Started, its stdin closed; the caller reads its output and waits for it (or kills it).</summary>
    public static Process Start(string workingDirectory, params string[] arguments)
    {
        // PEMSTATE_UNDER_TEST names another pemstate to run, the installed native tool (scripts/pack.sh) for one: the same
        // tests then check it against the real servers. Unset, the build beside the tests runs.
        var other = Environment.GetEnvironmentVariable("PEMSTATE_UNDER_TEST") is { Length: > 0 } path ? path : null;
        var start = new ProcessStartInfo(other ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (other is null) start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pemstate.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["CI"] = "true";
        start.Environment.Remove("PEMSTATE_FILE");
        start.Environment.Remove("PEMSTATE_NOW");
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }
}
