using PemCertState.Database;
using PemCertState.Facts;
using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;
using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Planning;

/// <summary>
/// Issue 20, item 4: the server loads new SSL files by reload (no connection dropped), and restarts only where a reload cannot
/// load them.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ServerReloadTests
{
    private const string Reload = "echo reload >> restarts.log";

    [Fact]
    public async Task A_server_with_a_reload_command_reloads_where_it_restarted()
    {
        // Given an empty lab whose server has a reload command beside its restart
        using var lab = WithReload();

        // When it is planned
        var plan = await lab.PlanAsync();

        // Then the server is reloaded last, with that command, and never restarted
        var last = plan.Steps[^1];
        Assert.Equal((Addresses.ServerReload, StepAction.Reload, Reload), (last.Address, last.Action, (last as ReloadStep)?.Command));
        Assert.Equal("PostgreSQL loads the new SSL files on reload; last, after every agent holds a certificate the new files accept", last.Reason);
        Assert.DoesNotContain(plan.Steps, s => s.Address == Addresses.ServerRestart);
    }

    [Fact]
    public async Task A_CA_rotation_reloads_the_server_to_trust_both_CAs_and_again_to_drop_the_old_one()
    {
        // Given a converged lab whose server has a reload command
        using var lab = WithReload();
        await lab.ApplyAsync();

        // When a CA rotation is planned
        var plan = Planner.Create(lab.Desired, await lab.ObserveAsync(), Lab.Today, new PlanOptions(RotateCa: true));

        // Then both loads of the server are reloads: no login is dropped while agents switch CA
        Assert.Equal([Addresses.ServerReloadTrustingBoth, Addresses.ServerReload],
            plan.Steps.Where(s => s.Host == "pem" && s.Action is StepAction.Reload or StepAction.Restart && s.Address.Agent is null).Select(s => s.Address));
    }

    [Fact]
    public async Task Over_the_database_the_server_reloads_with_pg_reload_conf_unless_an_SSL_setting_needs_a_restart()
    {
        // Given an empty lab whose server.database was reached, and PostgreSQL 10 or later (every ssl* setting is sighup)
        using var lab = Lab.Create();
        var desired = lab.Desired with { Server = lab.Desired.Server with { Database = Database, Reload = new ServerReload(null) } };
        var observed = await lab.ObserveAsync();

        // When it is planned
        var reloaded = Planner.Create(desired, observed with { Database = Reached("sighup") }, Lab.Today);
        // and planned for a server that reads ssl only when it starts (PostgreSQL 9.6)
        var restarted = Planner.Create(desired, observed with { Database = Reached("postmaster") }, Lab.Today);

        // Then the first reloads over the database (no command), the second restarts
        var reload = reloaded.Steps[^1];
        Assert.Equal((Addresses.ServerReload, StepAction.Reload, null), (reload.Address, reload.Action, (reload as ReloadStep)?.Command));
        Assert.Equal((Addresses.ServerRestart, StepAction.Restart), (restarted.Steps[^1].Address, restarted.Steps[^1].Action));
    }

    [Fact]
    public async Task A_database_that_was_not_reached_cannot_reload_the_server_so_it_restarts()
    {
        // Given an empty lab whose server.database did not answer
        using var lab = Lab.Create();
        var desired = lab.Desired with { Server = lab.Desired.Server with { Database = Database, Reload = new ServerReload(null) } };
        var observed = await lab.ObserveAsync() with { Database = ObservedDatabase.NotReached(Database.ToString(), "connection refused") };

        // When it is planned
        var plan = Planner.Create(desired, observed, Lab.Today);

        // Then the server restarts, as before server.reload
        Assert.Equal((Addresses.ServerRestart, StepAction.Restart), (plan.Steps[^1].Address, plan.Steps[^1].Action));
    }

    [Fact]
    public async Task A_role_that_may_not_run_pg_reload_conf_restarts_the_server_with_a_warning_or_without_a_restart_command_is_refused()
    {
        // Given an empty lab whose server reloads over server.database, reached as a role without EXECUTE on pg_reload_conf()
        using var lab = Lab.Create();
        var desired = lab.Desired with { Server = lab.Desired.Server with { Database = Database, Reload = new ServerReload(null) } };
        var observed = await lab.ObserveAsync() with { Database = Reached("sighup") with { Role = "\"pem admin\"", MayReload = false } };

        // When it is planned with server.restart, and without it, and with a reload command instead of the database
        var withRestart = Planner.Create(desired, observed, Lab.Today);
        var withoutRestart = Planner.Create(desired with { Server = desired.Server with { Restart = null } }, observed, Lab.Today);
        var withCommand = Planner.Create(desired with { Server = desired.Server with { Reload = new ServerReload(Reload) } }, observed, Lab.Today);

        // Then with a restart command the server restarts, and a warning names the role and the GRANT
        const string grant = "GRANT EXECUTE ON FUNCTION pg_reload_conf() TO \"pem admin\";";
        Assert.Equal((Addresses.ServerRestart, StepAction.Restart), (withRestart.Steps[^1].Address, withRestart.Steps[^1].Action));
        Assert.Contains(withRestart.Warnings, w => w.StartsWith("\"pem admin\", the role pemstate logs in as, may not run pg_reload_conf()", StringComparison.Ordinal)
            && w.Contains(grant, StringComparison.Ordinal));
        Assert.Empty(withRestart.Refusals);
        // without one the plan is refused, before any step runs, with the same fix
        var refusal = Assert.Single(withoutRestart.Refusals);
        Assert.Contains("\"pem admin\", the role pemstate logs in as, may not run it", refusal, StringComparison.Ordinal);
        Assert.Contains(grant, refusal, StringComparison.Ordinal);
        // and a reload command does not need the privilege: nothing is said
        Assert.Equal((Addresses.ServerReload, StepAction.Reload, Reload), (withCommand.Steps[^1].Address, withCommand.Steps[^1].Action, (withCommand.Steps[^1] as ReloadStep)?.Command));
        Assert.Empty(withCommand.Refusals);
        Assert.DoesNotContain(withCommand.Warnings, w => w.Contains("pg_reload_conf", StringComparison.Ordinal));
    }

    private static readonly DatabaseSpec Database = new("127.0.0.1", 5432, "pem", "postgres", null, "verify-full");

    private static ObservedDatabase Reached(string sslContext) =>
        new(Database.ToString(), true, null, new Dictionary<string, string>(), new Dictionary<string, RoleFacts>(), [], null, null)
        {
            Contexts = SslSettings.Names.ToDictionary(n => n, n => n == "ssl" ? sslContext : "sighup"),
        };

    private static Lab WithReload()
    {
        var lab = Lab.Create();
        var text = File.ReadAllText(lab.InventoryPath);
        File.WriteAllText(lab.InventoryPath, text.Replace("  restart: echo server >> restarts.log\n", $"  restart: echo server >> restarts.log\n  reload: {Reload}\n", StringComparison.Ordinal));
        Assert.Equal(new ServerReload(Reload), lab.Desired.Server.Reload);
        return lab;
    }
}
