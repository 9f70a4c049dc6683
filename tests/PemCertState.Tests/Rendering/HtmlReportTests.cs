using System.Text.RegularExpressions;
using PemCertState.Crypto;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Rendering;
using PemCertState.Tests.Support;
using PemCertState.Verification;
using Xunit;
using Xunit.Abstractions;

namespace PemCertState.Tests.Rendering;

/// <summary>`pemstate report`: the HTML page renders status, plan and verify's models, escapes what hosts said, fetches nothing.</summary>
public sealed partial class HtmlReportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_certificate_has_one_mark_and_expired_and_renew_soon_ones_say_so()
    {
        // Given a lab with an expired agent, one inside its renewal window, and the rest ok
        using var lab = await ReportLab.ExpiredAndRenewSoonAsync();
        var desired = lab.Desired;
        var observed = await lab.ObserveAsync();

        // When
        var report = FleetReport.Create("pemstate.yaml", desired, observed, Lab.Today);
        var html = HtmlReport.Render(report);

        // Then one mark per certificate, each with the state status gives it, in its class and its words
        var marks = Marks().Matches(html).ToDictionary(m => m.Groups["address"].Value, m => (Class: m.Groups["class"].Value, Title: m.Groups["title"].Value));
        Assert.Equal(ReportLab.Certificates, marks.Count);
        foreach (var row in StatusReport.Create(desired, observed, Lab.Today).Where(r => r.Address != Addresses.RootCrl))
            Assert.Contains($": {row.State}", marks[row.Address.ToString()].Title, StringComparison.Ordinal);
        Assert.Equal("expired", marks["agent[1].certificate"].Class);
        Assert.Equal("soon", marks["agent[2].certificate"].Class);
        Assert.Equal("ok", marks["agent[3].certificate"].Class);
        Assert.Equal("ok", marks["server.certificate"].Class);
        Assert.Contains("renew from 2026-11-12, until 2026-12-12 (15 days left)", marks["agent[2].certificate"].Title, StringComparison.Ordinal);
        // and the plan and the findings are verify's and plan's own
        Assert.Contains(PlanTextRenderer.Summary(report.Plan), html, StringComparison.Ordinal);
        Assert.Contains("<code>agent[1].certificate</code> on pem:", html, StringComparison.Ordinal);
        Assert.All(report.Findings, f => Assert.Contains(HtmlReport.Encode(f.Message), html, StringComparison.Ordinal));
        Assert.NotEmpty(report.Findings);
        Assert.Contains("class=\"today\"", html, StringComparison.Ordinal);
        Assert.Contains("CRL next update", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_fleet_reads_as_reviewed()
    {
        // Given a CA, the server, an agent in its renewal window, one expired, one missing, the CRL, a plan and a finding
        CertificateStatus[] rows =
        [
            Row(Addresses.Ca, "/C=IN/O=PEM/CN=pem-ca", Lab.Today.AddDays(-400), 3650, 30) with { Issuer = "/C=IN/O=PEM/CN=pem-ca" },
            Row(Addresses.ServerCertificate, "/C=IN/O=EDB/CN=pem.example.com", Lab.Today.AddDays(-100), 365, 30) with { Issuer = "/C=IN/O=PEM/CN=pem-ca" },
            Row(Addresses.AgentCertificate(1), "/C=IN/O=PEM/CN=agent1", Lab.Today.AddDays(-350), 365, 30) with { Issuer = "/C=IN/O=PEM/CN=pem-ca" },
            Row(Addresses.AgentCertificate(2), "/C=IN/O=PEM/CN=agent2", Lab.Today.AddDays(-370), 365, 30) with { Issuer = "/C=IN/O=PEM/CN=pem-ca" },
            new(Addresses.AgentCertificate(3), "db-7", "/root/.pem/agent3.crt", null, null, null, null, CertificateCondition.Missing),
            new(Addresses.RootCrl, "pem", "/var/lib/edb/as15/data/root.crl", "CRL (nextUpdate)", "/C=IN/O=PEM/CN=pem-ca", Lab.Today.AddDays(20), 20, CertificateCondition.RenewSoon) { RenewAt = Lab.Today.AddDays(-10) },
        ];
        var plan = new Plan([
            new GenerateKeyStep(Addresses.AgentCertificate(2), "pem", "expired on 2026-11-22", PemCertState.Inventory.KeySpec.EcdsaP256),
            new InstallStep(Addresses.AgentCertificate(2), "pem", "expired on 2026-11-22", "/root/.pem/agent2.key", "/root/.pem/agent2.crt", Addresses.AgentCertificate(2), null),
        ]);
        Finding[] findings = [new(Addresses.AgentCertificate(2), "pem", "/root/.pem/agent2.crt", "does not verify against root.crt: certificate has expired")];

        // When
        var html = HtmlReport.Render(new FleetReport("pemstate.yaml", Lab.Today, rows, plan, findings));

        // Then
        Assert.Equal(5, Marks().Matches(html).Count);
        Snapshooter.Xunit.Snapshot.Match(html);
    }

    [Fact]
    public async Task The_page_loads_nothing_and_holds_no_key_material()
    {
        // Given a converged lab
        using var lab = Lab.Create();
        await lab.ApplyAsync();

        // When
        var html = HtmlReport.Render(FleetReport.Create("pemstate.yaml", lab.Desired, await lab.ObserveAsync(), Lab.Today));

        // Then nothing that would make a browser fetch or run anything
        foreach (var fetching in new[] { "<script", "<link", "<img", "<iframe", "<object", "<embed", "src=", "href=\"http", "url(", "@import", "http://", "https://", "//fonts" })
            Assert.DoesNotContain(fetching, html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("content=\"default-src 'none'; style-src 'unsafe-inline'\"", html, StringComparison.Ordinal);
        // and no key: not the PEM armour, not a line of any key file's body
        Assert.DoesNotContain("PRIVATE KEY", html, StringComparison.Ordinal);
        foreach (var key in Directory.EnumerateFiles(lab.Root, "*.key", SearchOption.AllDirectories))
            foreach (var line in File.ReadAllLines(key).Where(l => l.Length > 16 && !l.StartsWith("-----", StringComparison.Ordinal)))
                Assert.DoesNotContain(line, html, StringComparison.Ordinal);
    }

    [Fact]
    public void What_hosts_said_is_escaped_and_cannot_reorder_the_page()
    {
        // Given a certificate whose subject, path, host and a finding carry markup, an attribute break-out and a right-to-left override
        const string Hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>'\u202Egnp.exe";
        var row = new CertificateStatus(Addresses.AgentCertificate(1), "db-" + Hostile, "/root/.pem/" + Hostile, "/CN=" + Hostile, "/CN=" + Hostile,
            Lab.Today.AddDays(100), 100, CertificateCondition.Ok) { NotBefore = Lab.Today.AddDays(-265), RenewAt = Lab.Today.AddDays(70) };
        var step = new SetModeStep(ResourceAddress.Parse("agent[1].certificate"), "db-" + Hostile, "mode 0644 on " + Hostile, "/root/.pem/" + Hostile, (UnixFileMode)0b110_000_000);
        var report = new FleetReport(Hostile, Lab.Today, [row], new Plan([step]), [new Finding("agent[1].certificate", Hostile, Hostile, Hostile)], Hostile);

        // When
        var html = HtmlReport.Render(report);

        // Then no element or attribute came from the host's words
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"><", html.Replace("\"><title", "", StringComparison.Ordinal).Replace("\"><text", "", StringComparison.Ordinal).Replace("\"><path", "", StringComparison.Ordinal)
            .Replace("\"><td", "", StringComparison.Ordinal).Replace("\"><summary", "", StringComparison.Ordinal).Replace("\"><h", "", StringComparison.Ordinal)
            .Replace("\"><a", "", StringComparison.Ordinal).Replace("\"><meta", "", StringComparison.Ordinal).Replace("\"><desc", "", StringComparison.Ordinal)
            .Replace("\"><svg", "", StringComparison.Ordinal).Replace("\"><li", "", StringComparison.Ordinal).Replace("\"><g", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;U+202Egnp.exe", html, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', html);
        Assert.Single(Marks().Matches(html));
    }

    [Fact]
    public void Ten_thousand_agents_make_a_page_of_about_three_megabytes()
    {
        // Given a fleet of 10,000 agents, one in ten inside its renewal window with its renewal planned (five steps each)
        var rows = new List<CertificateStatus>
        {
            Row(Addresses.Ca, "/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca", Lab.Today.AddDays(-400), 3650, 30),
            Row(Addresses.ServerCertificate, "/C=IN/ST=MH/L=Pune/O=EDB/CN=pem.example.com", Lab.Today.AddDays(-100), 365, 30),
        };
        var steps = new List<PlanStep>();
        for (var id = 1; id <= 10_000; id++)
        {
            var address = Addresses.AgentCertificate(id);
            rows.Add(Row(address, $"/C=IN/ST=MH/L=Pune/O=PEM/CN=agent{id}", Lab.Today.AddDays(-(id % 360)), 365, 30) with { Host = $"db-{id % 500}", Path = $"/root/.pem/agent{id}.crt" });
            if (id % 10 != 0) continue;
            string[] files = [$"/root/.pem/agent{id}.key", $"/root/.pem/agent{id}.crt"];
            steps.Add(new BackupStep(address, $"db-{id % 500}", "it expires in 12 days; renew_before is 30 days", files, "/root/.pem/certs"));
            steps.Add(new GenerateKeyStep(address, $"db-{id % 500}", "it expires in 12 days; renew_before is 30 days", PemCertState.Inventory.KeySpec.EcdsaP256));
            steps.Add(new IssueStep(address, $"db-{id % 500}", "it expires in 12 days; renew_before is 30 days",
                new IssueRequest($"/C=IN/ST=MH/L=Pune/O=PEM/CN=agent{id}", "/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca", LeafUsage.Client, TimeSpan.FromDays(365))));
            steps.Add(new InstallStep(address, $"db-{id % 500}", "it expires in 12 days; renew_before is 30 days", files[0], files[1], address, null));
            steps.Add(new RestartStep(ResourceAddress.Parse($"restart[agent {id}]"), $"db-{id % 500}", "agent.cfg names new files", "systemctl restart pemagent"));
        }

        // When
        var html = HtmlReport.Render(new FleetReport("pemstate.yaml", Lab.Today, rows, new Plan(steps), []));
        var bytes = System.Text.Encoding.UTF8.GetByteCount(html);

        // Then every certificate has its mark, and the page stays light
        output.WriteLine($"10,000 agents, 1,000 renewals planned: {bytes:N0} bytes ({bytes / 1024.0 / 1024.0:0.00} MiB), {bytes / rows.Count} bytes a certificate");
        Assert.Equal(rows.Count, Marks().Matches(html).Count);
        Assert.True(bytes < 3.5 * 1024 * 1024, $"{bytes:N0} bytes: more than 3.5 MiB");
        Assert.Contains($"… and {2000 - HtmlReport.ResourceLimit} more resources", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_is_written_whole_readable_by_all_and_never_through_a_link()
    {
        // Given a folder with a file a link at --out points to
        var folder = Directory.CreateTempSubdirectory("pemstate-report-").FullName;
        try
        {
            var victim = Path.Combine(folder, "victim");
            File.WriteAllText(victim, "keep me");
            var link = Path.Combine(folder, "linked.html");
            File.CreateSymbolicLink(link, victim);
            var page = Path.Combine(folder, "pemstate.html");

            // When
            var refused = await Assert.ThrowsAsync<IOException>(() => ReplacedFile.WriteAsync(link, "<p>page</p>", CancellationToken.None));
            await ReplacedFile.WriteAsync(page, "<p>old</p>", CancellationToken.None);
            await ReplacedFile.WriteAsync(page, "<p>new</p>", CancellationToken.None);

            // Then the link and its target are as they were, and the page is whole, 0644, with no temp file beside it
            Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
            Assert.Equal("keep me", File.ReadAllText(victim));
            Assert.Equal(victim, new FileInfo(link).LinkTarget);
            Assert.Equal("<p>new</p>", File.ReadAllText(page));
            Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(page));
            Assert.Equal(["linked.html", "pemstate.html", "victim"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_report_verb_writes_the_page_and_says_plainly_what_it_needs()
    {
        // Given a converged lab
        using var lab = Lab.Create(agents: 1);
        await lab.ApplyAsync();
        var page = Path.Combine(lab.Root, "report.html");

        // When
        var missing = Pemstate.Run(lab.Root, "report");
        var written = Pemstate.Run(lab.Root, "report", "--out", page);

        // Then
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("--out", missing.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", missing.Stderr, StringComparison.Ordinal);
        Assert.True(written.ExitCode == 0, written.Stderr);
        Assert.Contains($"Wrote {page}", written.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, Marks().Matches(File.ReadAllText(page)).Count);
        Assert.Contains("No changes. Every certificate, key and setting matches the inventory.", File.ReadAllText(page), StringComparison.Ordinal);
    }

    private static CertificateStatus Row(ResourceAddress address, string subject, DateTimeOffset notBefore, int days, int renewBefore)
    {
        var notAfter = notBefore.AddDays(days);
        var left = (int)Math.Floor((notAfter - Lab.Today).TotalDays);
        var state = notAfter <= Lab.Today ? CertificateCondition.Expired : left <= renewBefore ? CertificateCondition.RenewSoon : CertificateCondition.Ok;
        return new CertificateStatus(address, "pem", "/var/lib/edb/as15/data/" + address, subject, "/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca", notAfter, left, state)
        {
            NotBefore = notBefore,
            RenewAt = notAfter.AddDays(-renewBefore),
        };
    }

    /// <summary>A timeline mark: its state classes, its address and its title (the text a screen reader and a hover show).</summary>
    [GeneratedRegex("<g class=\"m (?<class>[^\"]*)\"><title>(?<title>(?<address>[^ :<]+)[^<]*)</title>")]
    private static partial Regex Marks();
}
