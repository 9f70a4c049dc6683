using System.Globalization;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// pg_basebackup of the PEM backend, run as postgres the way a DBA runs it, still works after pemstate: its journal, ledger,
/// lock and backups (root's, 0600 and 0700) live in server.state_dir, not in the data_dir the database account copies.
/// </summary>
public sealed class PostgresBaseBackupTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public void Pg_basebackup_as_postgres_succeeds_after_an_apply_a_renewal_and_a_rollback_and_data_dir_holds_nothing_of_pemstates()
    {
        // Given the PEM backend, a replication login for postgres on its socket, and an inventory with revoke_removed (a ledger)
        postgres.RegisterAgent(31);
        File.AppendAllText(Path.Combine(postgres.DataDir, "pg_hba.conf"), "local   replication   postgres   trust\n");
        postgres.Sql("postgres", "SELECT pg_reload_conf()");
        var lab = new PemLab(postgres, "basebackup", PemLab.PerAgent(31).Replace("agents:\n", "agents:\n  revoke_removed: true\n", StringComparison.Ordinal));

        // When it is applied
        Pemstate("apply");

        // Then
        AssertBaseBackupWorks("apply");

        // When the server certificate is renewed (its renew window now covers it) on a later day
        lab.Rewrite("  restart:", "  validity: 366d\n  renew_before: 365d\n  restart:");
        var later = DateTimeOffset.UtcNow.AddMinutes(2).ToString("o", CultureInfo.InvariantCulture);
        var renewal = Processes.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "pemstate.dll"), "apply", "--auto-approve", "-f", lab.InventoryPath],
            new Dictionary<string, string> { ["CI"] = "true", ["NO_COLOR"] = "1", ["PEMSTATE_NOW"] = later });
        Assert.True(renewal.ExitCode == 0, renewal.Output);
        Assert.Contains("server.certificate", renewal.Output, StringComparison.Ordinal);

        // Then
        AssertBaseBackupWorks("renewal");

        // When the renewal is rolled back
        Pemstate("rollback");

        // Then
        AssertBaseBackupWorks("rollback");
        Assert.NotEmpty(Directory.GetDirectories(Path.Combine(lab.StateDir, "backups")));

        void Pemstate(string verb)
        {
            var run = Processes.Pemstate(verb, "--auto-approve", "-f", lab.InventoryPath);
            Assert.True(run.ExitCode == 0, run.Output);
        }
    }

    private void AssertBaseBackupWorks(string after)
    {
        Assert.Empty(Directory.EnumerateFileSystemEntries(postgres.DataDir, ".pemstate*"));
        Assert.False(Directory.Exists(Path.Combine(postgres.DataDir, "certs")), $"after the {after}: data_dir/certs exists");
        var target = Path.Combine(postgres.Root, $"basebackup-{after}");
        Directory.CreateDirectory(target);
        Processes.Check("chown", "postgres:postgres", target);
        try
        {
            var backup = Processes.Run("runuser", ["-u", "postgres", "--", Path.Combine(PostgresFixture.BinDir, "pg_basebackup"),
                "-D", target, "-h", postgres.RunDir, "-p", postgres.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-c", "fast", "--no-sync"]);
            Assert.True(backup.ExitCode == 0, $"pg_basebackup after the {after}: {backup.Output}");
            Assert.True(File.Exists(Path.Combine(target, "PG_VERSION")));
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }
    }
}
