using System.Globalization;
using System.Text;
using System.Text.Json;
using PemCertState.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PemCertState.Tests.Execution;

/// <summary>
/// The crash campaign of issue 18: the real `pemstate apply` killed (SIGKILL) inside each window where a restart could be
/// lost: right after a managed file's rename (before the journal or anything else hears of it), and right after a restart
/// command ran (before its record); once, twice and three times in a row, during a fresh apply, a renewal and a CA rotation.
/// After each, plain `apply` runs as a person would rerun it, and then: it converged, the plan is empty, verify passes, no
/// file is lost, no temp file or staged copy (PairSwitch) is left, and every consumer runs the files on disk: each restart command records the SHA-256 of the files it loads,
/// and the last record of each must equal them.
/// </summary>
[Trait("Category", "Crash")]
public sealed class CrashCampaignTests(ITestOutputHelper output)
{
    /// <summary>The files each consumer loads, as its restart command reads them (relative to the lab).</summary>
    private static readonly string[] ServerLoads = ["server/data/server.key", "server/data/server.crt", "server/data/root.crt", "server/data/root.crl", "server/data/postgresql.conf"];

    private static string[] AgentLoads(int id) => [$"agents/{id}/.pem/agent{id}.key", $"agents/{id}/.pem/agent{id}.crt", $"agents/{id}/agent.cfg"];

    private const string ServerRestart =
        "'echo server $(cat server/data/server.key server/data/server.crt server/data/root.crt server/data/root.crl server/data/postgresql.conf 2>/dev/null | sha256sum | cut -c1-64) >> loads.log; "
        + "if [ -e crash.server ]; then rm crash.server; kill -9 $PPID; fi'";

    private const string AgentRestart =
        "'echo agent{id} $(cat agents/{id}/.pem/agent{id}.key agents/{id}/.pem/agent{id}.crt agents/{id}/agent.cfg 2>/dev/null | sha256sum | cut -c1-64) >> loads.log; "
        + "if [ -e crash.agent{id} ]; then rm crash.agent{id}; kill -9 $PPID; fi'";

    /// <summary>After a rename of one of these (relative to the lab), or "restart:server" / "restart:agent1": after that restart ran.</summary>
    private static readonly string[] SinglePoints =
    [
        "server/data/ca_key.key", "server/data/ca_certificate.crt", "server/data/root.crt", "server/data/root.crl",
        "server/data/server.key", "server/data/server.crt", "server/data/postgresql.conf",
        "agents/1/.pem/agent1.key", "agents/1/.pem/agent1.crt", "agents/1/agent.cfg", "agents/2/.pem/agent2.crt",
        "restart:agent1", "restart:server",
    ];

    [Fact]
    public void A_fresh_apply_killed_in_any_window_converges_with_every_consumer_on_the_files_on_disk() =>
        Campaign("fresh", converged: false, null, [], SinglePoints.Select(p => new[] { p }));

    /// <summary>
    /// A renewal writes no CA and no root.crt. It does write postgresql.conf and agent.cfg: a pair's config is pointed at its
    /// staged copy and back (PairSwitch), so a kill after its first rename leaves the config naming the staged pair.
    /// </summary>
    [Fact]
    public void A_renewal_killed_in_any_window_converges_with_every_consumer_on_the_files_on_disk() =>
        Campaign("renewal", converged: true, Lab.Today.AddDays(340), [], SinglePoints.Where(p => !p.Contains("ca_", StringComparison.Ordinal) && !p.Contains("root.crt", StringComparison.Ordinal)).Select(p => new[] { p }));

    [Fact]
    public void A_CA_rotation_killed_once_twice_or_three_times_converges_with_every_consumer_on_the_files_on_disk() =>
        Campaign("rotation", converged: true, null, ["--rotate-ca"], SinglePoints.Select(p => new[] { p }).Concat(
        [
            ["server/data/root.crt", "agents/1/.pem/agent1.crt"],
            ["agents/1/.pem/agent1.crt", "restart:server"],
            ["restart:server", "agents/2/.pem/agent2.crt"],
            ["server/data/root.crt", "agents/1/.pem/agent1.crt", "restart:server"],
            ["restart:server", "agents/1/.pem/agent1.crt", "restart:agent1"],
            ["agents/1/.pem/agent1.key", "agents/2/.pem/agent2.crt", "restart:server"],
        ]));

    private void Campaign(string scenario, bool converged, DateTimeOffset? now, string[] arguments, IEnumerable<string[]> sequences)
    {
        var rows = new List<Row>();
        foreach (var sequence in sequences) rows.Add(Run(scenario, converged, now, arguments, sequence));

        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"crash campaign, {scenario}: kill points (after) | crashes landed | converged | files lost | restarts lost | temp files left")
            .AppendLine("---|---|---|---|---|---");
        foreach (var row in rows)
            table.AppendLine(CultureInfo.InvariantCulture, $"{string.Join(" → ", row.Points)} | {row.Landed} | {(row.Converged ? "yes" : "NO")} | {row.FilesLost} | {row.RestartsLost} | {row.TempLeft}");
        table.AppendLine(CultureInfo.InvariantCulture,
            $"total: {rows.Count} runs, {rows.Sum(r => r.Landed)} crashes, {rows.Count(r => r.Converged)} converged, {rows.Sum(r => r.FilesLost)} files lost, {rows.Sum(r => r.RestartsLost)} restarts lost, {rows.Sum(r => r.TempLeft)} temp files left");
        output.WriteLine(table.ToString());

        Assert.All(rows, r => Assert.True(r.Converged && r.FilesLost == 0 && r.RestartsLost == 0 && r.TempLeft == 0,
            $"{string.Join(" → ", r.Points)}: {r.Problem ?? $"{r.TempLeft} temp files left"}"));
        // Every kill landed in its window: a campaign whose kills never land proves nothing.
        Assert.True(rows.All(r => r.Landed == r.Points.Length), table.ToString());
    }

    private sealed record Row(string[] Points, int Landed, bool Converged, int FilesLost, int RestartsLost, int TempLeft, string? Problem);

    private static Row Run(string scenario, bool converged, DateTimeOffset? now, string[] arguments, string[] points)
    {
        using var lab = Lab.Create(agents: 2, serverRestart: ServerRestart, agentRestart: AgentRestart);
        var environment = now is { } at ? new Dictionary<string, string?> { ["PEMSTATE_NOW"] = at.ToString("O", CultureInfo.InvariantCulture) } : null;
        if (converged)
        {
            var first = Pemstate.Run(lab.Root, "apply", "--auto-approve");
            Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        }

        // The first run is the scenario's apply; every later one is the plain rerun a person would start after the crash.
        var landed = 0;
        for (var i = 0; i < points.Length; i++)
        {
            // One lane at a time: the order of the files is then the plan's, and every kill point of a sequence is reached.
            string[] run = i == 0 ? ["apply", "--auto-approve", "--break-lock", "--parallelism", "1", .. arguments] : ["apply", "--auto-approve", "--break-lock", "--parallelism", "1"];
            if (!Kill(lab, points[i], environment, run)) break;
            landed++;
        }

        var final = Pemstate.RunWith(lab.Root, environment, "apply", "--auto-approve", "--break-lock");
        var problems = new List<string>();
        if (final.ExitCode != 0) problems.Add($"the rerun failed: {final.Stdout}{final.Stderr}");
        var plan = lab.PlanAsync(now).GetAwaiter().GetResult();
        if (plan.Steps.Count > 0) problems.Add($"the plan after it is not empty: {string.Join(", ", plan.Steps.Select(s => s.Address))}");
        var findings = PemCertState.Verification.OfflineVerifier.Verify(lab.Desired, lab.ObserveAsync().GetAwaiter().GetResult(), now ?? Lab.Today);
        if (findings.Count > 0) problems.Add($"verify: {string.Join("; ", findings.Select(f => f.Message))}");
        if (File.Exists(Path.Combine(lab.StateDir, PemCertState.Execution.ApplyLock.FileName))) problems.Add("the lock is left");

        var filesLost = FilesLost(lab, problems);
        var restartsLost = RestartsLost(lab, problems);
        var tempLeft = Directory.EnumerateFileSystemEntries(lab.Root, "*", SearchOption.AllDirectories)
            .Count(p => Path.GetFileName(p).StartsWith(".pemstate-", StringComparison.Ordinal) || p.EndsWith(".pemstate-tmp", StringComparison.Ordinal)
                || p.EndsWith(PemCertState.Inventory.StagedFiles.Suffix, StringComparison.Ordinal));
        var convergedNow = final.ExitCode == 0 && plan.Steps.Count == 0 && findings.Count == 0 && !File.Exists(Path.Combine(lab.StateDir, PemCertState.Execution.ApplyLock.FileName));
        return new Row(points, landed, convergedNow, filesLost, restartsLost, tempLeft, problems.Count == 0 ? null : string.Join("; ", problems));
    }

    /// <summary>Kills the run inside the window named by <paramref name="point"/>; false when the run ended before reaching it.</summary>
    private static bool Kill(Lab lab, string point, IReadOnlyDictionary<string, string?>? environment, string[] run)
    {
        if (!point.StartsWith("restart:", StringComparison.Ordinal))
            return Crash.KilledAfterRename(lab.Root, Path.Combine(lab.Root, point), environment, run);
        var marker = Path.Combine(lab.Root, "crash." + point["restart:".Length..]);
        File.WriteAllText(marker, "");
        var (killed, _) = Crash.Run(lab.Root, environment, run);
        var reached = !File.Exists(marker);
        File.Delete(marker);
        return killed && reached;
    }

    /// <summary>Managed files missing, and backup copies whose hash is not the one their manifest records.</summary>
    private static int FilesLost(Lab lab, List<string> problems)
    {
        var lost = ServerLoads.Concat(AgentLoads(1)).Concat(AgentLoads(2)).Concat(["server/data/ca_key.key", "server/data/ca_certificate.crt"])
            .Where(f => !File.Exists(Path.Combine(lab.Root, f))).ToList();
        foreach (var manifest in Directory.EnumerateFiles(lab.Root, "manifest.json", SearchOption.AllDirectories))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(manifest));
            foreach (var entry in json.RootElement.GetProperty("files").EnumerateArray())
            {
                var copy = Path.Combine(Path.GetDirectoryName(manifest)!, entry.GetProperty("backup_file").GetString()!);
                if (!File.Exists(copy) || PemCertState.Crypto.Fingerprints.Sha256Hex(File.ReadAllBytes(copy)) != entry.GetProperty("sha256").GetString())
                    lost.Add(copy);
            }
        }
        if (lost.Count > 0) problems.Add($"files lost: {string.Join(", ", lost)}");
        return lost.Count;
    }

    /// <summary>Consumers whose last restart loaded other files than those on disk now (or that never restarted).</summary>
    private static int RestartsLost(Lab lab, List<string> problems)
    {
        var last = new Dictionary<string, string>(StringComparer.Ordinal);
        var log = Path.Combine(lab.Root, "loads.log");
        foreach (var line in File.Exists(log) ? File.ReadAllLines(log) : [])
            if (line.Split(' ') is [var name, var sha]) last[name] = sha;
        var lost = new List<string>();
        foreach (var (name, files) in new[] { ("server", ServerLoads), ("agent1", AgentLoads(1)), ("agent2", AgentLoads(2)) })
        {
            var onDisk = Sha256Hex(files.SelectMany(f => File.Exists(Path.Combine(lab.Root, f)) ? File.ReadAllBytes(Path.Combine(lab.Root, f)) : []).ToArray());
            if (last.GetValueOrDefault(name) != onDisk) lost.Add(name);
        }
        if (lost.Count > 0) problems.Add($"runs older files than those on disk: {string.Join(", ", lost)}");
        return lost.Count;
    }

    private static string Sha256Hex(byte[] bytes) => PemCertState.Crypto.Fingerprints.Sha256Hex(bytes);
}
