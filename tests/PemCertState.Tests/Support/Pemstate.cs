using System.Diagnostics;

namespace PemCertState.Tests.Support;

/// <summary>The built `pemstate` run as a child process, the way a script or CI job runs it: no terminal, CI=true.</summary>
internal static class Pemstate
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, params string[] arguments)
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
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(true); throw new TimeoutException("pemstate did not finish in 120 s"); }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
