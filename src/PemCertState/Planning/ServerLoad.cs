using PemCertState.Inventory;
using PemCertState.Observation;

namespace PemCertState.Planning;

/// <summary>
/// The step that makes PostgreSQL load what a plan changed: a reload wherever one does, a restart only where it must.
/// Everything pemstate changes on the server is an SSL file or an ssl* setting, and PostgreSQL 10 and later re-read all of
/// them on reload (their pg_settings.context is sighup, `ssl = on` on a server that had it off included). A restart drops
/// every connection and refuses new ones until the server is up; a reload drops none.
/// </summary>
internal static class ServerLoad
{
    /// <summary>The reload or restart step for <paramref name="reason"/>(its verb); null when the inventory gives neither.</summary>
    /// <param name="bothCas">The load in the middle of a CA rotation, after which the server trusts the old and the new CA.</param>
    public static PlanStep? Step(ServerSpec server, ObservedState observed, Func<string, string> reason, bool bothCas = false)
    {
        if (Reload(server, observed) is { } reload)
            return new ReloadStep(bothCas ? Addresses.ServerReloadTrustingBoth : Addresses.ServerReload, server.Host, reason("reload"), reload.Command);
        if (server.Restart is { } restart)
            return new RestartStep(bothCas ? Addresses.ServerRestartTrustingBoth : Addresses.ServerRestart, server.Host, reason("restart"), restart);
        return null;
    }

    /// <summary>
    /// Last in a plan: the load the server's changed files need, or the one it still owes (an earlier apply stopped before it,
    /// or the running server differs from its files); a warning when the inventory gives no way to do it.
    /// </summary>
    /// <param name="changedReason">Why, when this plan changed the server's files, given the verb (reload or restart).</param>
    public static void PlanLast(ServerSpec server, ObservedState observed, bool changed, IReadOnlySet<ResourceAddress> owed, Func<string, string> changedReason,
        List<PlanStep> steps, List<string> warnings)
    {
        if (changed || owed.Contains(Addresses.ServerRestart))
        {
            if (Step(server, observed, changed ? changedReason : _ => OwedRestarts.Why) is { } step) steps.Add(step);
            return;
        }
        if (DatabasePlanner.PendingRestart(server, observed, warnings) is not { } stillRunning) return;
        if (Step(server, observed, _ => stillRunning) is { } pending) steps.Add(pending);
        else warnings.Add($"{stillRunning}; neither server.restart nor a reload is set, so restart or reload it yourself");
    }

    /// <summary>
    /// The reload to use, or null for a restart: none is configured; only the database could reload and it was not reached;
    /// or the server says one of the SSL settings is read only at start (pg_settings.context postmaster: PostgreSQL before 10).
    /// </summary>
    private static ServerReload? Reload(ServerSpec server, ObservedState observed)
    {
        if (server.Reload is not { } reload) return null;
        if (observed.Database is not { Reached: true } database) return reload.Command is null ? null : reload;
        // pg_reload_conf() the role may not run: server.restart instead, when there is one (else the plan is refused, below).
        if (reload.Command is null && database.MayReload == false && server.Restart is not null) return null;
        return SslSettings.Names.Any(name => database.Contexts.GetValueOrDefault(name) == "postmaster") ? null : reload;
    }

    /// <summary>
    /// Before any file changes: a reload over server.database by a role without EXECUTE on pg_reload_conf() fails only after
    /// the files it should load were replaced. With server.restart the plan restarts instead (<see cref="Reload"/>) and a
    /// warning says what that costs and how to reload; without it, apply refuses the plan. Either way the role and the GRANT
    /// that fixes it are named.
    /// </summary>
    public static Plan JudgeReloadPrivilege(ServerSpec server, ObservedState observed, Plan plan)
    {
        if (server.Reload is not { Command: null } || observed.Database is not { Reached: true, MayReload: false } database) return plan;
        var role = database.Role ?? "the role of server.database";
        var fix = $"as a superuser run `GRANT EXECUTE ON FUNCTION pg_reload_conf() TO {role};`";
        if (plan.Steps.Any(s => s is ReloadStep { Command: null } && s.Host == server.Host))
            return plan with
            {
                Refusals = [.. plan.Refusals, $"the server is to be reloaded with SELECT pg_reload_conf() over server.database, but {role}, the role pemstate logs in as, "
                    + $"may not run it (no EXECUTE on pg_reload_conf()), so the reload would fail after the files changed; and server.restart is not set. {fix}, "
                    + "or set server.reload to a command (pg_ctl reload), then plan again"],
            };
        if (plan.Steps.Any(s => s.Action == StepAction.Restart && s.Address.Kind is ResourceKind.ServerRestart or ResourceKind.ServerRestartTrustingBoth))
            return plan with
            {
                Warnings = [.. plan.Warnings, $"{role}, the role pemstate logs in as, may not run pg_reload_conf() (no EXECUTE on it), so PostgreSQL is restarted "
                    + $"(server.restart) instead of reloaded, which drops every connection. {fix}, or set server.reload to a command (pg_ctl reload), and it is reloaded"],
            };
        return plan;
    }
}
