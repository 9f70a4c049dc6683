using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Verification;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// Issue 20, item 9, against a real PostgreSQL: an SSL setting set by ALTER SYSTEM (postgresql.auto.conf) or in a file
/// postgresql.conf includes wins over postgresql.conf. pemstate judges by what the server reads, reports the override with
/// its file and line (plan warning, verify finding), edits neither file, and does not plan a reload on every run. Its own
/// server: the tests change its configuration (and put it back).
/// </summary>
public sealed class PostgresConfigSourceTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task An_ALTER_SYSTEM_override_is_reported_not_edited_and_not_reloaded_on_every_run()
    {
        // Given a converged server, then ALTER SYSTEM pointing ssl_cert_file and ssl_key_file at copies of the pair
        var lab = await ConvergedAsync("auto-conf", 1);
        CopyPair("other");
        postgres.Sql("pem", "ALTER SYSTEM SET ssl_cert_file = 'other.crt'");
        postgres.Sql("pem", "ALTER SYSTEM SET ssl_key_file = 'other.key'");
        postgres.Sql("pem", "SELECT pg_reload_conf()");
        await Task.Delay(500);
        Assert.Equal("other.crt", postgres.Sql("pem", "SHOW ssl_cert_file"));
        var conf = File.ReadAllBytes(Path.Combine(postgres.DataDir, "postgresql.conf"));
        var auto = Path.Combine(postgres.DataDir, "postgresql.auto.conf");
        try
        {
            // When it is planned, verified and applied twice
            var plan = await lab.PlanAsync();
            var (desired, observed) = await lab.ObserveAsync();
            var findings = OfflineVerifier.Verify(desired, observed, DateTimeOffset.UtcNow);
            await lab.ApplyAsync();
            var (again, _) = await lab.ApplyAsync();

            // Then the plan holds no step (no edit, no reload) and says where the setting lives and what to run
            Assert.True(plan.IsEmpty, string.Join("\n", plan.Steps.Select(s => $"{s.Address} {s.Action}: {s.Reason}")));
            Assert.True(again.IsEmpty);
            var warning = Assert.Single(plan.Warnings, w => w.StartsWith("ssl_cert_file = 'other.crt' in " + auto + " line ", StringComparison.Ordinal));
            Assert.Contains("ALTER SYSTEM RESET ssl_cert_file", warning, StringComparison.Ordinal);
            Assert.Contains(plan.Warnings, w => w.StartsWith("ssl_key_file = 'other.key' in " + auto, StringComparison.Ordinal));
            // and verify reports it against postgresql.auto.conf; neither file was touched by the applies
            Assert.Contains(findings, f => f.Address == Addresses.ServerSettings.ToString() && f.Path == auto && f.Message.Contains("ssl_cert_file", StringComparison.Ordinal));
            Assert.Equal(conf, File.ReadAllBytes(Path.Combine(postgres.DataDir, "postgresql.conf")));
            Assert.Contains("ssl_cert_file = 'other.crt'", File.ReadAllText(auto), StringComparison.Ordinal);

            // When the DBA resets the override as the warning says
            postgres.Sql("pem", "ALTER SYSTEM RESET ssl_cert_file");
            postgres.Sql("pem", "ALTER SYSTEM RESET ssl_key_file");
            postgres.Sql("pem", "SELECT pg_reload_conf()");
            await Task.Delay(500);

            // Then nothing is left to report or do
            var after = await lab.PlanAsync();
            Assert.True(after.IsEmpty);
            Assert.DoesNotContain(after.Warnings, w => w.Contains("postgresql.auto.conf", StringComparison.Ordinal));
            var (d2, o2) = await lab.ObserveAsync();
            Assert.DoesNotContain(OfflineVerifier.Verify(d2, o2, DateTimeOffset.UtcNow), f => f.Address == Addresses.ServerSettings.ToString());
        }
        finally
        {
            postgres.Sql("pem", "ALTER SYSTEM RESET ALL");
            postgres.Sql("pem", "SELECT pg_reload_conf()");
            RemovePair("other");
        }
    }

    [Fact]
    public async Task A_setting_in_a_file_postgresql_conf_includes_is_reported_with_its_file_and_line()
    {
        // Given a converged server whose postgresql.conf then includes a file that sets ssl_cert_file to a copy
        var lab = await ConvergedAsync("include", 2);
        CopyPair("included");
        var conf = Path.Combine(postgres.DataDir, "postgresql.conf");
        var original = File.ReadAllText(conf);
        var extra = Path.Combine(postgres.DataDir, "ssl-extra.conf");
        File.WriteAllText(extra, "# set by hand\nssl_cert_file = 'included.crt'\nssl_key_file = 'included.key'\n");
        File.AppendAllText(conf, "include 'ssl-extra.conf'\n");
        postgres.Sql("pem", "SELECT pg_reload_conf()");
        await Task.Delay(500);
        Assert.Equal("included.crt", postgres.Sql("pem", "SHOW ssl_cert_file"));
        try
        {
            // When it is planned and verified
            var plan = await lab.PlanAsync();
            var (desired, observed) = await lab.ObserveAsync();
            var findings = OfflineVerifier.Verify(desired, observed, DateTimeOffset.UtcNow);

            // Then it says which file and line, plans no edit of postgresql.conf and no reload, and verify agrees
            Assert.True(plan.IsEmpty, string.Join("\n", plan.Steps.Select(s => $"{s.Address} {s.Action}: {s.Reason}")));
            Assert.Contains(plan.Warnings, w => w.StartsWith($"ssl_cert_file = 'included.crt' in {extra} line 2, which postgresql.conf includes", StringComparison.Ordinal));
            Assert.Contains(findings, f => f.Address == Addresses.ServerSettings.ToString() && f.Path == extra);

            // When the include file is set as the warning says
            File.WriteAllText(extra, "# set by hand\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
            postgres.Sql("pem", "SELECT pg_reload_conf()");
            await Task.Delay(500);

            // Then nothing is left
            var after = await lab.PlanAsync();
            Assert.True(after.IsEmpty);
            Assert.DoesNotContain(after.Warnings, w => w.Contains("ssl-extra.conf", StringComparison.Ordinal));
        }
        finally
        {
            File.WriteAllText(conf, original);
            File.Delete(extra);
            postgres.Sql("pem", "SELECT pg_reload_conf()");
            RemovePair("included");
        }
    }

    [Fact]
    public async Task A_setting_from_a_file_outside_data_dir_is_named_from_pg_settings_and_not_reloaded_on_every_run()
    {
        // Given a converged server whose postgresql.conf then includes a file outside data_dir that sets ssl_cert_file
        var lab = await ConvergedAsync("outside", 3);
        CopyPair("outside");
        var conf = Path.Combine(postgres.DataDir, "postgresql.conf");
        var original = File.ReadAllText(conf);
        var outside = Path.Combine(postgres.Root, "outside-ssl.conf");
        File.WriteAllText(outside, $"ssl_cert_file = '{Path.Combine(postgres.DataDir, "outside.crt")}'\nssl_key_file = '{Path.Combine(postgres.DataDir, "outside.key")}'\n");
        File.SetUnixFileMode(outside, (UnixFileMode)0b110_100_100);
        File.AppendAllText(conf, $"include '{outside}'\n");
        postgres.Sql("pem", "SELECT pg_reload_conf()");
        await Task.Delay(500);
        Assert.EndsWith("outside.crt", postgres.Sql("pem", "SHOW ssl_cert_file"), StringComparison.Ordinal);
        try
        {
            // When it is planned and applied twice
            var plan = await lab.PlanAsync();
            var (first, _) = await lab.ApplyAsync();
            var (second, _) = await lab.ApplyAsync();

            // Then the include is not read (outside data_dir), but the running server names the file and line (pg_settings),
            // and no reload is planned for a difference no reload can remove
            Assert.Contains(plan.Warnings, w => w.Contains($"include '{outside}'", StringComparison.Ordinal) && w.Contains("outside data_dir", StringComparison.Ordinal));
            Assert.Contains(plan.Warnings, w => w.StartsWith("the server takes ssl_cert_file = '", StringComparison.Ordinal)
                && w.Contains($"from {outside} line 1 (pg_settings.sourcefile)", StringComparison.Ordinal));
            Assert.True(plan.IsEmpty, string.Join("\n", plan.Steps.Select(s => $"{s.Address} {s.Action}: {s.Reason}")));
            Assert.True(first.IsEmpty);
            Assert.True(second.IsEmpty);
        }
        finally
        {
            File.WriteAllText(conf, original);
            File.Delete(outside);
            postgres.Sql("pem", "SELECT pg_reload_conf()");
            RemovePair("outside");
        }
    }

    private async Task<PemLab> ConvergedAsync(string name, int agent)
    {
        postgres.RegisterAgent(agent);
        var lab = new PemLab(postgres, name, PemLab.PerAgent(agent));
        await lab.ApplyAsync();
        Assert.True((await lab.PlanAsync()).IsEmpty);
        return lab;
    }

    /// <summary>A copy of server.crt/server.key under another name, the server's own and 0600, so that the server can load it.</summary>
    private void CopyPair(string name)
    {
        foreach (var ext in new[] { "crt", "key" })
        {
            var path = Path.Combine(postgres.DataDir, $"{name}.{ext}");
            File.Copy(Path.Combine(postgres.DataDir, $"server.{ext}"), path, overwrite: true);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Processes.Check("chown", "postgres:postgres", path);
        }
    }

    private void RemovePair(string name)
    {
        foreach (var ext in new[] { "crt", "key" }) File.Delete(Path.Combine(postgres.DataDir, $"{name}.{ext}"));
    }
}
