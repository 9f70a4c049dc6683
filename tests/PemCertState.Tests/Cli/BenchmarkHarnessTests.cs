using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// The benchmark harness (tests/PemCertState.Benchmarks) is how issue 10's figures are made: this runs it end to end on
/// a tiny fleet, so that a change which breaks a scenario, its own checks (a no-op apply must change nothing, a fresh
/// apply must converge) or its JSON fails here rather than on the day someone measures.
/// </summary>
public sealed class BenchmarkHarnessTests
{
    [Fact]
    public void Every_local_scenario_runs_checks_itself_and_writes_its_rows()
    {
        var folder = Directory.CreateTempSubdirectory("pemstate-bench-smoke-").FullName;
        try
        {
            var output = Path.Combine(folder, "results.json");
            var (exit, stdout, stderr) = RunHarness(
                "plan", "noop-apply", "fresh-apply", "startup",
                "--agents", "3", "--runs", "1", "--warmup", "0", "--fresh-keys", "p256", "--fresh-agents", "2", "--keygen-runs", "1",
                "--pemstate", Path.Combine(AppContext.BaseDirectory, "pemstate.dll"), "--out", output);

            Assert.True(exit == 0, $"harness exited {exit}\n{stdout}\n{stderr}");
            using var json = JsonDocument.Parse(File.ReadAllText(output));
            var rows = json.RootElement.GetProperty("rows").EnumerateArray()
                .ToDictionary(r => r.GetProperty("scenario").GetString()!, r => r.GetProperty("median").GetDouble());
            foreach (var scenario in new[] { "plan in-process", "plan child process", "noop-apply child process", "fresh-apply p256", "startup: pemstate --version" })
                Assert.True(rows.TryGetValue(scenario, out var median) && median > 0, $"no figure for '{scenario}' in {string.Join(", ", rows.Keys)}");
            Assert.Contains("fresh-apply p256", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) RunHarness(params string[] arguments)
    {
        // bin/<Configuration>/net10.0 of this test project, mirrored in the benchmark project's folder
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var root = framework;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "PemCertState.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var harness = Path.Combine(root.FullName, "tests", "PemCertState.Benchmarks", "bin", configuration, framework.Name, "PemCertState.Benchmarks.dll");
        Assert.True(File.Exists(harness), $"the benchmark harness is not built at {harness}");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root.FullName };
        start.ArgumentList.Add(harness);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000)) { process.Kill(true); throw new TimeoutException("the benchmark harness did not finish in 300 s"); }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
