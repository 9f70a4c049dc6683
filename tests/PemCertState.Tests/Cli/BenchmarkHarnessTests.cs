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

    /// <summary>
    /// Issue 22's fleet scenario on two sshd hosts: the OpenSSH floor beside each apply, and the sessions each sshd counted.
    /// It needs OpenSSH's sshd and client and root (the hosts log in as root), as the integration tests do.
    /// </summary>
    [Fact]
    public void The_ssh_fleet_scenario_measures_the_OpenSSH_floor_and_counts_sessions_on_the_sshd_side()
    {
        // Never skipped: a machine without them fails, saying what scripts/test.sh installs.
        Assert.True(File.Exists("/usr/sbin/sshd") && File.Exists("/usr/bin/ssh"), "needs OpenSSH: apt-get install -y openssh-server openssh-client");
        Assert.True(Environment.UserName == "root", "needs root: the fleet's hosts log in as root");
        var folder = Directory.CreateTempSubdirectory("pemstate-bench-smoke-").FullName;
        try
        {
            var output = Path.Combine(folder, "results.json");
            var (exit, stdout, stderr) = RunHarness(
                "ssh-fleet", "--fleet-hosts", "2", "--fleet-key", "p256", "--runs", "1", "--warmup", "0",
                "--pemstate", Path.Combine(AppContext.BaseDirectory, "pemstate.dll"), "--out", output);

            Assert.True(exit == 0, $"harness exited {exit}\n{stdout}\n{stderr}");
            using var json = JsonDocument.Parse(File.ReadAllText(output));
            var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("scenario").GetString()!, r => r.Clone());
            double Median(string scenario) =>
                rows.TryGetValue(scenario, out var row) ? row.GetProperty("median").GetDouble() : throw new Xunit.Sdk.XunitException($"no row '{scenario}' in {string.Join(", ", rows.Keys)}\n{stdout}");
            Assert.True(Median("ssh-fleet OpenSSH floor: ssh HOST true x2, 10 at a time") > 0);
            foreach (var kind in new[] { "fresh-apply p256", "noop-apply" })
            {
                Assert.True(Median($"ssh-fleet {kind} (2 hosts x 1 agent)") > 0);
                Assert.True(rows[$"ssh-fleet {kind} (2 hosts x 1 agent)"].GetProperty("ratio").GetDouble() > 0);
            }
            // a no-op runs at least one command on each host, a fresh apply more; both counted by sshd
            Assert.True(Median("ssh-fleet noop-apply: sessions per host, sshd's count") >= 1);
            Assert.True(Median("ssh-fleet fresh-apply p256: sessions per host, sshd's count") > Median("ssh-fleet noop-apply: sessions per host, sshd's count"));
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
