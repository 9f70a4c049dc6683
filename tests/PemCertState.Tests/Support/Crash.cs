using System.Diagnostics;

namespace PemCertState.Tests.Support;

/// <summary>
/// Kills a real `pemstate apply` inside a chosen window, as a power loss or kill -9 would, with no failure point in pemstate.
/// </summary>
internal static class Crash
{
    /// <summary>How long strace holds a rename of the watched name on its way out: the time the test has to see it and kill.</summary>
    private const int HoldMicroseconds = 1_500_000;

    /// <summary>
    /// Runs pemstate under strace, which holds every renameat of a file named like <paramref name="file"/> (a backup copy of
    /// the same name too) for 1.5 s after it returned; as soon as <paramref name="file"/> itself is a new file, the rename is
    /// done and pemstate is held right after it: it is killed there (SIGKILL), before it can write another byte, journal line
    /// or record. Returns false when the run ended without replacing <paramref name="file"/>.
    /// </summary>
    public static bool KilledAfterRename(string root, string file, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var before = Identity(file);
        using var strace = StartTraced(root, environment, Path.GetFileName(file), arguments);
        while (!strace.HasExited)
        {
            if (Identity(file) != before)
            {
                KillTracee(strace);
                return true;
            }
            Thread.Sleep(5);
        }
        return false;
    }

    /// <summary>Runs pemstate to its end; true when it was killed (SIGKILL) rather than exiting.</summary>
    public static (bool Killed, string Output) Run(string root, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        using var process = Pemstate.Start(root, environment, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(true); throw new TimeoutException("pemstate did not finish in 120 s"); }
        return (process.ExitCode == -1 || process.ExitCode > 128, stdout.Result + stderr.Result);
    }

    private static Process StartTraced(string root, IReadOnlyDictionary<string, string?>? environment, string name, string[] arguments)
    {
        var start = new ProcessStartInfo("strace") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        // -P with a bare name matches renameat's name argument as written: pemstate renames by name within held folders.
        foreach (var argument in new[] { "-f", "-qq", "-o", "/dev/null", "-P", name, "-e", "trace=renameat,renameat2",
                     "-e", $"inject=renameat,renameat2:delay_exit={HoldMicroseconds}", "dotnet", Path.Combine(AppContext.BaseDirectory, "pemstate.dll") })
            start.ArgumentList.Add(argument);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["CI"] = "true";
        start.Environment["PEMSTATE_NOW"] = Lab.Today.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("PEMSTATE_FILE");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    /// <summary>SIGKILL to pemstate itself first (held by strace, it never runs another instruction), then to strace.</summary>
    private static void KillTracee(Process strace)
    {
        foreach (var child in Children(strace.Id))
        {
            try { using var tracee = Process.GetProcessById(child); tracee.Kill(); }
            catch (ArgumentException) { }
        }
        strace.WaitForExit(30_000);
        if (!strace.HasExited) strace.Kill(true);
        strace.WaitForExit();
    }

    private static IEnumerable<int> Children(int pid) =>
        Directory.EnumerateDirectories($"/proc/{pid}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(int.Parse).ToList();

    /// <summary>What tells a renamed-over file from the one before: its content and time (a new file has its own), or that it is missing.</summary>
    private static string Identity(string file)
    {
        try { return $"{File.GetLastWriteTimeUtc(file).Ticks} {PemCertState.Crypto.Fingerprints.Sha256Hex(File.ReadAllBytes(file))}"; }
        catch (IOException) { return "missing"; }
    }
}
