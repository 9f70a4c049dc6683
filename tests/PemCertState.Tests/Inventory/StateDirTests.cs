using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

/// <summary>server.state_dir: where pemstate keeps its journal, ledger, lock and backups, out of data_dir.</summary>
[Trait("Category", "Unit")]
public sealed class StateDirTests
{
    [Fact]
    public void State_dir_defaults_to_var_lib_pemstate_and_the_server_host_and_holds_the_backups()
    {
        // Given an inventory without state_dir or backup_dir
        var yaml = """
            version: 1
            hosts: { pem-db: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem-db, data_dir: /var/lib/edb/as15/data, subject: /CN=pem }
            """;

        // When it is loaded
        var server = InventoryText.Load(yaml).State!.Server;

        // Then the state lives outside data_dir, the backups in it, and the old place is remembered for the move
        Assert.Equal("/var/lib/pemstate/pem-db", server.StateDir);
        Assert.Equal("/var/lib/pemstate/pem-db/backups", server.BackupDir);
        Assert.Equal("/var/lib/edb/as15/data/certs", server.LegacyBackupDir);
    }

    [Fact]
    public void A_relative_state_dir_resolves_against_the_inventory_folder_and_an_absolute_backup_dir_has_nothing_to_move()
    {
        // Given
        var yaml = """
            version: 1
            hosts: { pem: { transport: local } }
            ca: { subject: /CN=pem-ca }
            server: { host: pem, data_dir: data, state_dir: ../state, backup_dir: /srv/pem-backups, subject: /CN=pem }
            """;

        // When
        var server = InventoryText.Load(yaml).State!.Server;

        // Then
        Assert.Equal("/lab/state", server.StateDir);
        Assert.Equal("/srv/pem-backups", server.BackupDir);
        Assert.Null(server.LegacyBackupDir);
    }

    [Theory]
    [InlineData("data", "data_dir itself")]
    [InlineData("data/pemstate", "inside data_dir /lab/inventory/data")]
    [InlineData("/lab/inventory/data/./x/..", "data_dir itself")]
    public void A_state_dir_in_data_dir_is_refused_at_its_value(string stateDir, string why)
    {
        // Given state_dir in (or at) data_dir, which the database account owns and pg_basebackup copies
        var yaml = $"""
            version: 1
            hosts: {"{ pem: { transport: local } }"}
            ca: {"{ subject: /CN=pem-ca }"}
            server:
              host: pem
              data_dir: data
              state_dir: {stateDir}
              subject: /CN=pem
            """;

        // When it is loaded
        var result = InventoryText.Load(yaml);

        // Then it is an error at the value's line and column, and nothing is resolved
        Assert.Null(result.State);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal((InventoryText.File, 7, 14), (error.File, error.Line, error.Column));
        Assert.StartsWith("server.state_dir: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }
}
