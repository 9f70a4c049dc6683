using System.Text.Json.Nodes;
using PemCertState.Tests.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Verification;

/// <summary>The web certificate in offline `pemstate verify`, in `pemstate status`, and left out with --skip-host.</summary>
public sealed class WebVerificationTests
{
    [Fact]
    public async Task Status_lists_the_web_certificate_with_its_issuer_expiry_and_state()
    {
        // Given a converged lab with a web section
        using var lab = WebPlannerTests.WebLab();
        await lab.ApplyAsync();

        // When
        var text = Pemstate.Run(lab.Root, "status");
        var json = Pemstate.Run(lab.Root, "status", "--json");

        // Then the web certificate is a row like the others: subject, the CA that signed it, not-after, days left, ok
        Assert.True(text.ExitCode == 0, text.Stdout + text.Stderr);
        Assert.Matches(@"web\.certificate +/C=IN/O=EDB/CN=pem\.example\.com +/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca +2027-11-27 +365 +ok", text.Stdout);
        var row = JsonNode.Parse(json.Stdout)!["certificates"]!.AsArray().Single(r => (string?)r!["address"] == "web.certificate")!;
        Assert.Equal("/C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca", (string?)row["issuer"]);
        Assert.Equal("2027-11-27T12:00:00Z", (string?)row["not_after"]);
        Assert.Equal(365, (int?)row["days_left"]);
        Assert.Equal("ok", (string?)row["state"]);
        Assert.Equal(Path.Combine(lab.Root, "web", "resources", "server-pem.crt"), (string?)row["path"]);
    }

    [Fact]
    public async Task Verify_checks_the_web_pair_its_names_and_its_key_mode_offline()
    {
        // Given a converged lab: verify is clean
        using var lab = WebPlannerTests.WebLab();
        await lab.ApplyAsync();
        var clean = Pemstate.Run(lab.Root, "verify");
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);

        // When the web key is loosened and replaced by another key, and the inventory wants one more name
        var key = Path.Combine(lab.Root, "web", "resources", "server-pem.key");
        File.Copy(Path.Combine(lab.DataDir, "server.key"), key, overwrite: true);
        File.SetUnixFileMode(key, (UnixFileMode)Convert.ToInt32("644", 8));
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("[pem.example.com, 127.0.0.1]", "[pem.example.com, 127.0.0.1, pem]", StringComparison.Ordinal));
        var (code, stdout, stderr) = Pemstate.Run(lab.Root, "verify");

        // Then each is a finding on web.certificate, with its path, and verify exits 2
        Assert.True(code == 2, stdout + stderr);
        Assert.Contains("server-pem.key does not belong to server-pem.crt", stdout, StringComparison.Ordinal);
        Assert.Contains("mode 0644, want 0600", stdout, StringComparison.Ordinal);
        Assert.Contains("not valid for pem: its subjectAltName holds pem.example.com, 127.0.0.1", stdout, StringComparison.Ordinal);
        Assert.Equal(3, stdout.Split('\n').Count(l => l.Contains("web.certificate", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Verify_reports_a_web_certificate_from_another_CA()
    {
        // Given a converged lab whose web pair was replaced by a self-signed one (as PEM's installer makes)
        using var lab = WebPlannerTests.WebLab();
        await lab.ApplyAsync();
        var folder = Path.Combine(lab.Root, "web", "resources");
        OpenSsl.Run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=pem.example.com",
            "-addext", "subjectAltName=DNS:pem.example.com,IP:127.0.0.1", "-days", "30",
            "-keyout", Path.Combine(folder, "server-pem.key"), "-out", Path.Combine(folder, "server-pem.crt"));
        File.SetUnixFileMode(Path.Combine(folder, "server-pem.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // When
        var (code, stdout, stderr) = Pemstate.RunWith(lab.Root, new Dictionary<string, string?> { ["PEMSTATE_NOW"] = null }, "verify");

        // Then
        Assert.True(code == 2, stdout + stderr);
        Assert.Contains("web.certificate", stdout, StringComparison.Ordinal);
        Assert.Contains("does not verify against root.crt: self-signed certificate (not in root.crt)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skip_host_leaves_out_the_web_steps_and_says_so()
    {
        // Given a lab whose web server is on its own (local) host, never applied
        using var lab = WebPlannerTests.WebLab();
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("  pem: { transport: local }\n", "  pem: { transport: local }\n  www: { transport: local }\n", StringComparison.Ordinal)
            .Replace("web:\n  host: pem\n", "web:\n  host: www\n", StringComparison.Ordinal));
        var planned = Pemstate.Run(lab.Root, "plan");
        Assert.Contains("web.certificate", planned.Stdout, StringComparison.Ordinal);

        // When the web server's host is skipped
        var (code, stdout, stderr) = Pemstate.Run(lab.Root, "plan", "--skip-host", "www");

        // Then the plan has no web step, and says which were left out
        Assert.True(code == 0, stdout + stderr);
        Assert.DoesNotContain("web.", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("restart[web]", stdout, StringComparison.Ordinal);
        Assert.Contains("server.certificate", stdout, StringComparison.Ordinal);
        Assert.Contains("Skipped hosts (--skip-host): www; not observed and not planned: web.certificate, web.settings, restart[web].", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_puts_the_previous_web_certificate_back_then_tests_and_reloads_without_restarting_the_server()
    {
        // Given a converged lab whose web certificate was reissued for another name a day later
        using var lab = WebPlannerTests.WebLab();
        await lab.ApplyAsync();
        var certificate = Path.Combine(lab.Root, "web", "resources", "server-pem.crt");
        var before = File.ReadAllText(certificate);
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("[pem.example.com, 127.0.0.1]", "[pem.example.com, pem]", StringComparison.Ordinal));
        await lab.ApplyAsync(Lab.Today.AddDays(1));
        Assert.NotEqual(before, File.ReadAllText(certificate));
        File.Delete(lab.RestartLog);

        // When
        var backups = Pemstate.Run(lab.Root, "backups");
        var (code, stdout, stderr) = Pemstate.Run(lab.Root, "rollback", "--auto-approve");

        // Then the web backup set is listed and restored, the web server tested and reloaded, and nothing else restarted
        Assert.Contains(Path.Combine(lab.Root, "web", "resources", "certs"), backups.Stdout, StringComparison.Ordinal);
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(before, File.ReadAllText(certificate));
        Assert.Equal(["test", "reload"], File.ReadAllLines(lab.RestartLog));
        Assert.Contains("web.certificate", stdout, StringComparison.Ordinal);
    }
}
