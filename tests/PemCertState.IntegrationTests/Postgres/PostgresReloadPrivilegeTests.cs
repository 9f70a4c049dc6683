using System.Globalization;
using PemCertState.Inventory;
using PemCertState.IntegrationTests.Fixtures;
using PemCertState.IntegrationTests.Support;
using PemCertState.Planning;
using Xunit;

namespace PemCertState.IntegrationTests.Postgres;

/// <summary>
/// Issue 20, item 4: the server is reloaded with SELECT pg_reload_conf() over server.database when no reload command is
/// given. Only superusers may run it by default: a role without EXECUTE on it failed at the reload, after every file had
/// changed. The plan now knows before: it restarts instead when server.restart is set (with a warning), and is refused
/// when it is not, naming the role and the GRANT either way. Against the real PostgreSQL, with a non-superuser role.
/// </summary>
public sealed class PostgresReloadPrivilegeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Role = "pemstate_noreload";

    private const string Grant = $"GRANT EXECUTE ON FUNCTION pg_reload_conf() TO {Role};";

    [Fact]
    public async Task A_role_that_may_not_reload_is_named_with_its_grant_before_any_file_changes_and_once_granted_the_server_is_reloaded()
    {
        // Given a login role that is no superuser, that reads what pemstate observes but has no EXECUTE on pg_reload_conf()
        postgres.RegisterAgent(1);
        CreateRole();
        try
        {
            Assert.Equal("f", postgres.Sql("pem", $"SELECT has_function_privilege('{Role}', 'pg_reload_conf()', 'EXECUTE')"));
            var database = $"{{ host: {PostgresFixture.Host}, port: {postgres.Port.ToString(CultureInfo.InvariantCulture)}, name: pem, user: {Role} }}";
            var lab = new PemLab(postgres, "noreload", PemLab.PerAgent(1), database: database);

            // When it is planned with server.restart set
            var withRestart = await lab.PlanAsync();

            // Then the server is restarted, not reloaded, and a warning names the role and the GRANT
            Assert.Contains(withRestart.Steps, s => s.Address == Addresses.ServerRestart && s.Action == StepAction.Restart);
            Assert.DoesNotContain(withRestart.Steps, s => s.Action == StepAction.Reload);
            Assert.Contains(withRestart.Warnings, w => w.Contains($"{Role}, the role pemstate logs in as, may not run pg_reload_conf()", StringComparison.Ordinal)
                && w.Contains(Grant, StringComparison.Ordinal));
            Assert.Empty(withRestart.Refusals);

            // When server.restart is not set, and apply runs
            lab.Rewrite($"restart: \"{postgres.RestartCommand}\"", "# no server.restart");
            var files = DataDirFiles();
            var refused = Processes.Pemstate("apply", "-f", lab.InventoryPath, "--auto-approve");

            // Then the plan is refused before any file changed, naming the role and the GRANT
            Assert.True(refused.ExitCode != 0, refused.Output);
            Assert.Contains("Apply will refuse:", refused.Output, StringComparison.Ordinal);
            Assert.Contains($"{Role}, the role pemstate logs in as, may not run it (no EXECUTE on pg_reload_conf())", refused.Output, StringComparison.Ordinal);
            Assert.Contains(Grant, refused.Output, StringComparison.Ordinal);
            Assert.Contains("nothing was changed", refused.Output, StringComparison.Ordinal);
            Assert.Equal(files, DataDirFiles());

            // When the GRANT is run as it says, and apply runs again
            postgres.Sql("pem", Grant);
            var plan = await lab.PlanAsync();
            var applied = Processes.Pemstate("apply", "-f", lab.InventoryPath, "--auto-approve");

            // Then the plan reloads over the database, the apply succeeds, and the running server took the new files
            Assert.Empty(plan.Refusals);
            Assert.Contains(plan.Steps, s => s.Address == Addresses.ServerReload && s is ReloadStep { Command: null });
            Assert.True(applied.ExitCode == 0, applied.Output);
            Assert.True((await lab.PlanAsync()).IsEmpty);
        }
        finally
        {
            DropRole();
        }
    }

    /// <summary>The role, what observation reads (pem.*, pg_read_all_settings for data_directory), and a trust login on loopback.</summary>
    private void CreateRole()
    {
        postgres.Sql("pem", $"""
            CREATE ROLE {Role} LOGIN;
            GRANT pg_read_all_settings TO {Role};
            GRANT USAGE ON SCHEMA pem TO {Role};
            GRANT SELECT ON ALL TABLES IN SCHEMA pem TO {Role};
            """);
        var hba = Path.Combine(postgres.DataDir, "pg_hba.conf");
        File.AppendAllText(hba, $"host    pem   {Role}  127.0.0.1/32  trust\n");
        postgres.Sql("pem", "SELECT pg_reload_conf()");
    }

    private void DropRole()
    {
        var hba = Path.Combine(postgres.DataDir, "pg_hba.conf");
        File.WriteAllText(hba, File.ReadAllText(hba).Replace($"host    pem   {Role}  127.0.0.1/32  trust\n", "", StringComparison.Ordinal));
        postgres.Sql("pem", "SELECT pg_reload_conf()");
        postgres.Sql("pem", $"DROP OWNED BY {Role}; REVOKE EXECUTE ON FUNCTION pg_reload_conf() FROM {Role}; DROP ROLE {Role}");
    }

    private Dictionary<string, string> DataDirFiles() =>
        Directory.EnumerateFiles(postgres.DataDir, "*.*").Where(p => p.EndsWith(".crt", StringComparison.Ordinal) || p.EndsWith(".key", StringComparison.Ordinal)
                || p.EndsWith(".crl", StringComparison.Ordinal) || p.EndsWith(".conf", StringComparison.Ordinal))
            .ToDictionary(p => p, p => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))));
}
