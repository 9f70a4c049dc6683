using System.Text.RegularExpressions;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using PemCertState.Verification;
using Snapshooter.Xunit;
using Xunit;

namespace PemCertState.Tests.Rendering;

/// <summary>`pemstate status --prometheus`: what node_exporter's textfile collector hands to Prometheus.</summary>
public sealed partial class PrometheusMetricsTests
{
    private static readonly DateTimeOffset _now = Lab.Today;

    /// <summary>The metrics of a lab, from the same status rows and plan the CLI uses.</summary>
    private static async Task<(string Metrics, IReadOnlyList<CertificateStatus> Rows)> MetricsAsync(Lab lab, DateTimeOffset now)
    {
        var desired = lab.Desired;
        var observed = await lab.ObserveAsync();
        var rows = StatusReport.Create(desired, observed, now);
        return (PrometheusRenderer.Render(rows, now, Planner.Create(desired, observed, now).Steps.Count, observed.Journal), rows);
    }

    private static string Normalize(Lab lab, string metrics) => SerialLabel().Replace(lab.Normalize(metrics), "serial_number=\"<serial>\"");

    [Fact]
    public async Task A_converged_lab_gives_every_certificate_its_dates_and_state_and_the_last_apply()
    {
        // Given the lab after one apply by the CLI (which keeps the journal)
        using var lab = Lab.Create(agents: 2);
        var apply = Pemstate.Run(lab.Root, "apply", "-f", lab.InventoryPath, "--auto-approve");
        Assert.True(apply.ExitCode == 0, apply.Stdout + apply.Stderr);

        // When its metrics are rendered
        var (metrics, _) = await MetricsAsync(lab, _now);

        // Then promtool accepts them, and they read as the snapshot reviewed with this change
        Assert.Equal("", Promtool.CheckMetrics(metrics));
        Assert.Contains("pemstate_plan_pending_steps 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pemstate_last_apply_result{result=\"succeeded\"} 1\n", metrics, StringComparison.Ordinal);
        Snapshot.Match(Normalize(lab, metrics));
    }

    [Fact]
    public async Task Every_certificate_has_exactly_one_current_state_and_it_is_the_status_tables()
    {
        // Given a lab with nothing yet, and the same lab converged and then looked at 340 days later (inside renew_before)
        using var lab = Lab.Create(agents: 2);
        var fresh = await MetricsAsync(lab, _now);
        await lab.ApplyAsync();
        var later = await MetricsAsync(lab, _now.AddDays(340));

        foreach (var (metrics, rows) in new[] { fresh, later })
        {
            // When the state series are read back, by address
            var current = StateLine().Matches(metrics).GroupBy(m => m.Groups["address"].Value)
                .ToDictionary(g => g.Key, g => g.Where(m => m.Groups["value"].Value == "1").Select(m => m.Groups["state"].Value).ToList());

            // Then each row has all the states, exactly one of them 1, and that one is the table's word for it
            Assert.Equal(rows.Select(r => r.Address.ToString()).Distinct(), current.Keys);
            Assert.All(StateLine().Matches(metrics).GroupBy(m => m.Groups["address"].Value), g => Assert.Equal(PrometheusRenderer.States.Count, g.Count()));
            foreach (var row in rows)
            {
                var state = Assert.Single(current[row.Address.ToString()]);
                Assert.Equal(row.State, state.Replace('_', ' '));
            }
            Assert.Equal("", Promtool.CheckMetrics(metrics));
        }
        Assert.Contains("state=\"missing\"} 1", fresh.Metrics, StringComparison.Ordinal);
        Assert.Contains("address=\"agent[1].certificate\"", later.Metrics, StringComparison.Ordinal);
        Assert.Matches("address=\"agent\\[1\\]\\.certificate\"[^\n]*state=\"renew_soon\"} 1", later.Metrics);
    }

    [Fact]
    public void Subjects_and_issuers_from_a_host_cannot_add_a_line_a_series_or_a_metric()
    {
        // Given certificates whose subjects and issuers (read from files on managed hosts) try to break out of their label
        const string Breakout = "/CN=evil\"} 1\npemstate_plan_pending_steps 0\n# TYPE x counter";
        string[] hostile = [Breakout, "/CN=back\\slash\\", "/CN=cr\rnul\0bell\a", "/CN=lone\ud800surrogate", new string('A', 5000), "/CN=ünïcödé ✓"];
        var rows = hostile.Select((subject, i) => new CertificateStatus(Addresses.AgentCertificate(i + 1), "pem", $"/agents/{i + 1}/a.crt", subject, subject,
            _now.AddDays(100), 100, CertificateCondition.Ok) { RenewAt = _now.AddDays(70), CertificateSerial = $"0{i + 1}" }).ToList();

        // When they are rendered
        var metrics = PrometheusRenderer.Render(rows, _now, 0, null);

        // Then every line is a sample or a HELP/TYPE line of pemstate's own metrics, the count is what the rows make,
        // promtool accepts the file, and the escaped values read back as the subjects (control characters replaced)
        var lines = metrics.TrimEnd('\n').Split('\n');
        Assert.All(lines, line => Assert.Matches(@"^(# (HELP|TYPE) pemstate_[a-z_]+ .+|pemstate_[a-z_]+(\{.*\})? -?[0-9]+)$", line));
        Assert.Equal(hostile.Length * (3 + PrometheusRenderer.States.Count) + 2 + 2 * 6, lines.Length);
        Assert.Single(lines, l => l.StartsWith("pemstate_plan_pending_steps", StringComparison.Ordinal));
        Assert.Equal("", Promtool.CheckMetrics(metrics));
        var subjects = SubjectLabel().Matches(lines.First(l => l.StartsWith("pemstate_certificate_not_after", StringComparison.Ordinal) && l.Contains("agent[1]", StringComparison.Ordinal)));
        Assert.Equal(Breakout, Unescape(subjects[0].Groups["value"].Value));
        Assert.Contains("subject=\"/CN=back\\\\slash\\\\\"", metrics, StringComparison.Ordinal);
        Assert.Contains("subject=\"/CN=cr\uFFFDnul\uFFFDbell\uFFFD\"", metrics, StringComparison.Ordinal);
        Assert.Contains("subject=\"/CN=lone\uFFFDsurrogate\"", metrics, StringComparison.Ordinal);
        Assert.Contains($"subject=\"{new string('A', PrometheusRenderer.MaximumLabelLength - 1)}…\"", metrics, StringComparison.Ordinal);
        Assert.Contains("subject=\"/CN=ünïcödé ✓\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_waiting_for_its_signature_is_the_state_without_a_live_file_and_a_gauge_of_its_own_beside_one()
    {
        // Given (trusted CA) a server certificate that expired while its renewal waits for the CA, and an agent waiting for its first
        var rows = new List<CertificateStatus>
        {
            new(Addresses.ServerCertificate, "pem", "/data/server.crt", "/CN=pem", "/CN=corp-ca", _now.AddDays(-1), -1, CertificateCondition.Expired)
                { PendingSignature = true, RenewAt = _now.AddDays(-31), CertificateSerial = "0A" },
            new(Addresses.AgentCertificate(1), "pem", "/agents/1/agent1.crt", null, null, null, null, CertificateCondition.Missing) { PendingSignature = true },
        };

        // When they are rendered
        var metrics = PrometheusRenderer.Render(rows, _now, 2, null);

        // Then the expired certificate still reads expired (as in the table) with pending_signature 1 beside it, and the
        // agent's state is pending_signature
        Assert.Equal(["expired, pending signature", "pending signature"], rows.Select(r => r.State));
        Assert.Matches("pemstate_certificate_state\\{address=\"server.certificate\"[^\n]*state=\"expired\"\\} 1\n", metrics);
        Assert.Matches("pemstate_certificate_pending_signature\\{address=\"server.certificate\"[^\n]*\\} 1\n", metrics);
        Assert.Matches("pemstate_certificate_state\\{address=\"agent\\[1\\].certificate\"[^\n]*state=\"pending_signature\"\\} 1\n", metrics);
        Assert.Matches("pemstate_certificate_pending_signature\\{address=\"agent\\[1\\].certificate\"[^\n]*\\} 1\n", metrics);
        Assert.DoesNotMatch("pemstate_certificate_not_after_timestamp_seconds\\{address=\"agent", metrics);
        Assert.Contains("pemstate_plan_pending_steps 2\n", metrics, StringComparison.Ordinal);
        Assert.Equal("", Promtool.CheckMetrics(metrics));
    }

    [Fact]
    public void A_trusted_CA_lab_reads_pending_signature_until_the_signed_certificates_are_installed()
    {
        // Given a copy of examples/trusted-ca with the CA its script makes, applied once: three requests wait for the CA
        var source = Path.Combine(Inventory.InventoryText.RepositoryRoot(), "examples", "trusted-ca");
        var folder = Directory.CreateTempSubdirectory("pemstate-trusted-metrics-").FullName;
        try
        {
            foreach (var file in new[] { "pemstate.yaml", "external-ca.sh" }) File.Copy(Path.Combine(source, file), Path.Combine(folder, file));
            ExternalCa.Run(folder, "init");
            // The CA signs on the real clock; pemstate runs a minute later, so that what the CA signed is already valid.
            var now = new Dictionary<string, string?> { ["PEMSTATE_NOW"] = DateTimeOffset.UtcNow.AddMinutes(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture) };
            var waiting = Pemstate.RunWith(folder, now, "apply", "-f", "pemstate.yaml", "--auto-approve");
            Assert.True(waiting.ExitCode == 3, waiting.Stdout + waiting.Stderr);

            // When status writes metrics while the requests wait, and again after the CA signed and pemstate installed
            var pending = Pemstate.RunWith(folder, now, "status", "-f", "pemstate.yaml", "--prometheus");
            ExternalCa.Run(folder, "sign");
            var installed = Pemstate.RunWith(folder, now, "apply", "-f", "pemstate.yaml", "--auto-approve");
            var done = Pemstate.RunWith(folder, now, "status", "-f", "pemstate.yaml", "--prometheus");

            // Then the server's and both agents' certificates (no live file yet) read pending_signature, and afterwards ok,
            // with nothing pending and the last apply succeeded; promtool accepts both
            Assert.True(pending.ExitCode == 0, pending.Stderr);
            Assert.True(installed.ExitCode == 0, installed.Stdout + installed.Stderr);
            Assert.Equal(3, Regex.Matches(pending.Stdout, "^pemstate_certificate_state\\{[^\n]*state=\"pending_signature\"\\} 1$", RegexOptions.Multiline).Count);
            Assert.Equal(3, Regex.Matches(pending.Stdout, "^pemstate_certificate_pending_signature\\{[^\n]*\\} 1$", RegexOptions.Multiline).Count);
            Assert.DoesNotMatch("(?m)^pemstate_plan_pending_steps 0$", pending.Stdout);
            Assert.Empty(Regex.Matches(done.Stdout, "^pemstate_certificate_pending_signature\\{[^\n]*\\} 1$", RegexOptions.Multiline));
            Assert.Empty(Regex.Matches(done.Stdout, "^pemstate_certificate_state\\{[^\n]*state=\"(pending_signature|missing)\"\\} 1$", RegexOptions.Multiline));
            Assert.Contains("pemstate_plan_pending_steps 0\n", done.Stdout, StringComparison.Ordinal);
            Assert.Contains("pemstate_last_apply_result{result=\"succeeded\"} 1\n", done.Stdout, StringComparison.Ordinal);
            Assert.Equal("", Promtool.CheckMetrics(pending.Stdout));
            Assert.Equal("", Promtool.CheckMetrics(done.Stdout));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_last_apply_result_is_the_journals_and_absent_without_one()
    {
        // Given a journal of an apply that failed, one that was killed, and none
        var started = _now.AddHours(-3);
        var failed = new ObservedJournal("a1", started, 12, false, [1, 2, 3], [], "step 4 (server.certificate install) failed", new HashSet<ResourceAddress>());
        var killed = failed with { Error = null };

        // When each is rendered
        var afterFailure = PrometheusRenderer.Render([], _now, 0, failed);
        var afterKill = PrometheusRenderer.Render([], _now, 0, killed);
        var never = PrometheusRenderer.Render([], _now, 0, null);

        // Then the result and start time come from the journal, and without one no apply metric is made up
        Assert.Contains("pemstate_last_apply_result{result=\"failed\"} 1\n", afterFailure, StringComparison.Ordinal);
        Assert.Contains("pemstate_last_apply_result{result=\"succeeded\"} 0\n", afterFailure, StringComparison.Ordinal);
        Assert.Contains($"pemstate_last_apply_timestamp_seconds {started.ToUnixTimeSeconds()}\n", afterFailure, StringComparison.Ordinal);
        Assert.Contains("pemstate_last_apply_steps 12\n", afterFailure, StringComparison.Ordinal);
        Assert.Contains("pemstate_last_apply_result{result=\"unfinished\"} 1\n", afterKill, StringComparison.Ordinal);
        Assert.DoesNotContain("pemstate_last_apply", never, StringComparison.Ordinal);
        Assert.Contains($"pemstate_status_timestamp_seconds {_now.ToUnixTimeSeconds()}\n", never, StringComparison.Ordinal);
        Assert.Equal("", Promtool.CheckMetrics(afterFailure));
    }

    [Fact]
    public void The_example_alert_rules_pass_promtool_and_use_only_metrics_pemstate_writes()
    {
        // Given the alert rules shipped in docs/monitoring and every metric name the renderer can write
        var folder = Path.Combine(Inventory.InventoryText.RepositoryRoot(), "docs", "monitoring");
        var rules = File.ReadAllText(Path.Combine(folder, "pemstate-alerts.yml"));
        var journal = new ObservedJournal("a1", _now, 1, true, [1], [], null, new HashSet<ResourceAddress>());
        var row = new CertificateStatus(Addresses.Ca, "pem", "/ca.crt", "/CN=ca", "/CN=ca", _now.AddDays(1), 1, CertificateCondition.Ok) { RenewAt = _now };
        var written = MetricName().Matches(PrometheusRenderer.Render([row], _now, 0, journal)).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

        // When promtool checks the rules and runs their unit tests
        var check = Promtool.Run(null, "check", "rules", Path.Combine(folder, "pemstate-alerts.yml"));
        var test = Promtool.Run(null, "test", "rules", Path.Combine(folder, "pemstate-alerts.test.yml"));

        // Then both pass, and no rule reads a metric pemstate does not write
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("SUCCESS: 7 rules found", check.Output, StringComparison.Ordinal);
        Assert.All(MetricName().Matches(rules).Select(m => m.Value).Distinct(), name => Assert.Contains(name, written));
    }

    /// <summary>A label value read back as Prometheus's parser does: \\ \" and \n.</summary>
    private static string Unescape(string value)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '\\' || i + 1 == value.Length) { text.Append(value[i]); continue; }
            var next = value[++i];
            text.Append(next == 'n' ? '\n' : next);
        }
        return text.ToString();
    }

    [GeneratedRegex("serial_number=\"[0-9A-F]+\"")]
    private static partial Regex SerialLabel();

    [GeneratedRegex("^pemstate_certificate_state\\{address=\"(?<address>[^\"]+)\"[^\n]*state=\"(?<state>[a-z_]+)\"\\} (?<value>[01])$", RegexOptions.Multiline)]
    private static partial Regex StateLine();

    [GeneratedRegex("subject=\"(?<value>(\\\\.|[^\"\\\\])*)\"")]
    private static partial Regex SubjectLabel();

    [GeneratedRegex("pemstate_[a-z_]+")]
    private static partial Regex MetricName();
}
