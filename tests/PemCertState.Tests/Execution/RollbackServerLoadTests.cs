using PemCertState.Inventory;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Execution;

/// <summary>
/// Issue 20, item 4: `pemstate rollback` restored the server's SSL files and then restarted PostgreSQL, dropping every
/// connection, where apply would have reloaded it. It now follows apply's rule: a reload when the restored files are SSL
/// files and ssl settings only; a restart when the restored postgresql.conf also changes another setting.
/// </summary>
public sealed class RollbackServerLoadTests
{
    private const string TargetId = "20261127T120000Z";

    [Fact]
    public void A_rollback_of_ssl_files_and_settings_reloads_the_server_and_never_restarts_it()
    {
        // Given a lab with server.reload, applied, then applied again with a new server subject and a repaired ssl_ca_file
        using var lab = RolledForwardLab();

        // When it is rolled back to the second apply's backup
        var rollback = Pemstate.Run(lab.Root, "rollback", "--auto-approve");

        // Then the server was reloaded, not restarted
        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
        Assert.Contains($"Rolled back to {TargetId}.", rollback.Stdout, StringComparison.Ordinal);
        Assert.Contains(Addresses.ServerReload.ToString(), rollback.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Addresses.ServerRestart.ToString(), rollback.Stdout, StringComparison.Ordinal);
        Assert.Equal(["reload"], ServerLoads(lab));
    }

    [Fact]
    public void A_rollback_whose_postgresql_conf_also_changes_another_setting_restarts_the_server_and_says_which()
    {
        // Given the same lab, whose postgresql.conf someone has since given shared_buffers (the backup does not have it)
        using var lab = RolledForwardLab();
        File.AppendAllText(Path.Combine(lab.DataDir, "postgresql.conf"), "shared_buffers = 256MB\n");

        // When it is rolled back
        var rollback = Pemstate.Run(lab.Root, "rollback", "--auto-approve");

        // Then the server was restarted (a reload does not apply shared_buffers), and the plan said why
        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
        Assert.Contains("the restored postgresql.conf also changes shared_buffers, which a reload may not apply", rollback.Stdout, StringComparison.Ordinal);
        Assert.Equal(["restart"], ServerLoads(lab));
    }

    [Fact]
    public void Only_settings_other_than_ssl_ones_count_as_needing_more_than_a_reload()
    {
        // Given a current postgresql.conf and the one a rollback would restore
        const string current = "ssl = on\nssl_ca_file = 'root.crt'\nmax_connections = 100\ninclude 'a.conf'\nwork_mem = 4MB\n";

        // When only ssl settings differ, or a comment, then when a restart-only setting, an include or a removed setting differs
        var sslOnly = RollbackPlanner.OtherSettingsChanged(current, "ssl = off\nssl_ca_file = 'other.crt'\n# a comment\nmax_connections = 100\ninclude 'a.conf'\nwork_mem = 4MB\n");
        var others = RollbackPlanner.OtherSettingsChanged(current, "ssl = on\nssl_ca_file = 'root.crt'\nmax_connections = 200\ninclude 'b.conf'\n");

        // Then
        Assert.Empty(sslOnly);
        Assert.Equal(["include", "max_connections", "work_mem"], others);
    }

    /// <summary>Lab whose server restart logs "restart" and reload logs "reload", applied twice; the log is cleared after.</summary>
    private static Lab RolledForwardLab()
    {
        var lab = Lab.Create(agents: 1, serverRestart: "'echo restart >> server.log'");
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("  restart: 'echo restart >> server.log'\n", "  restart: 'echo restart >> server.log'\n  reload: 'echo reload >> server.log'\n", StringComparison.Ordinal));
        var first = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var conf = Path.Combine(lab.DataDir, "postgresql.conf");
        File.WriteAllText(conf, File.ReadAllText(conf).Replace("ssl_ca_file = 'root.crt'", "ssl_ca_file = 'elsewhere.crt'", StringComparison.Ordinal));
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath).Replace("CN=pem.example.com", "CN=pem2.example.com", StringComparison.Ordinal));
        var second = Pemstate.Run(lab.Root, "apply", "--auto-approve");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.Contains("ssl_ca_file", second.Stdout, StringComparison.Ordinal);
        File.Delete(Path.Combine(lab.Root, "server.log"));
        return lab;
    }

    private static string[] ServerLoads(Lab lab) => File.ReadAllLines(Path.Combine(lab.Root, "server.log"));
}
