using System.Text.Json;
using System.Text.RegularExpressions;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>-v says what was observed and how long each part took, so a slow or failing host can be found.</summary>
public sealed class VerboseObservationTests
{
    [Fact]
    public void Verbose_plan_logs_every_file_read_with_its_host_size_and_duration_but_never_its_bytes()
    {
        // Given a converged lab
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);

        // When a plan runs with -v
        var (code, stdout, stderr) = Pemstate.Run(lab.Root, "plan", "-v");

        // Then each managed file read is a log line naming host, path, what was found and the time it took
        Assert.True(code == 0, stderr);
        Assert.Equal("No changes. Every certificate, key and setting matches the inventory.\n", stdout);
        var serverKey = Path.Combine(lab.DataDir, "server.key");
        Assert.Matches(ReadLine(serverKey), stderr);
        Assert.Matches(ReadLine(Path.Combine(lab.CertDir(1), "agent1.key")), stderr);
        Assert.Matches(ReadLine(Path.Combine(lab.DataDir, "postgresql.conf")), stderr);
        Assert.DoesNotContain("PRIVATE KEY", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllText(serverKey).Split('\n')[1], stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_verbose_nothing_observed_is_logged()
    {
        // Given a converged lab
        using var lab = Lab.Create(agents: 1);
        Assert.Equal(0, Pemstate.Run(lab.Root, "apply", "--auto-approve").ExitCode);

        // When a plan runs without -v
        var (code, _, stderr) = Pemstate.Run(lab.Root, "plan");

        // Then stderr has no observation log
        Assert.Equal(0, code);
        Assert.DoesNotContain(": read ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Actions_in_json_logs_are_named_as_in_the_json_plan()
    {
        // Given a fresh lab and its JSON plan
        using var lab = Lab.Create(agents: 1);
        var plan = Pemstate.Run(lab.Root, "plan", "--json");
        using var planJson = JsonDocument.Parse(plan.Stdout);
        var planned = planJson.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("action").GetString()).ToHashSet();

        // When it is applied with JSON logs
        var (code, _, stderr) = Pemstate.Run(lab.Root, "apply", "--auto-approve", "-v", "--log-format", "json");

        // Then every step event's Action is one of the JSON plan's action names (generate_key, not GenerateKey)
        Assert.True(code == 0, stderr);
        var logged = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("EventId").GetInt32() == 3001)
            .Select(e => e.GetProperty("State").GetProperty("Action").GetString())
            .ToList();
        Assert.NotEmpty(logged);
        Assert.Contains("generate_key", logged);
        Assert.All(logged, action => Assert.Contains(action, planned));
    }

    private static Regex ReadLine(string path) =>
        new($"info: PemCertState\\.Hosts\\[2003\\] pem: read {Regex.Escape(path)}: \\d+ bytes, mode 0[0-7]{{3}}(, owner \\S+)? in \\d+ ms");
}
