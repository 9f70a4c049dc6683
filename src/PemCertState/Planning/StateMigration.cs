using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.State;

namespace PemCertState.Planning;

/// <summary>
/// pemstate's own state lives in server.state_dir. An older pemstate kept it in data_dir (.pemstate-journal.jsonl,
/// .pemstate-agents.json, .pemstate.lock, certs/&lt;id&gt;/ backup sets), where pg_basebackup running as the database
/// account cannot read it and that account can edit it: the next apply moves it, first, before any backup. Level-based:
/// the steps exist while the old files do, so an apply that stops half-way leaves the rest for the next plan.
/// </summary>
internal static class StateMigration
{
    /// <summary>The plan with the moves in front and, when the state folder may not be written, a warning and a refusal.</summary>
    public static Plan Judge(DesiredState desired, ObservedState observed, Plan plan)
    {
        if (observed.StateFolder is not { } state) return plan;
        var server = desired.Server;
        var warnings = new List<string>();
        var refusals = new List<string>();
        if (StateFolderSafety.Problem(server.Host, state.Path, state.WritableFolders) is { } problem)
        {
            warnings.Add(problem);
            refusals.Add($"{Addresses.State} on {server.Host}: will not write the journal, the agent ledger, the lock or backups to {state.Path}: "
                + "an account other than root can change it or a folder above it");
        }
        foreach (var set in state.RefusedSets)
            warnings.Add($"old backup set {set}; it is not moved into {server.BackupDir} and stays in data_dir: check it, then remove it yourself "
                + "(a root-only folder in data_dir makes pg_basebackup fail)");

        var moves = new List<PlanStep>();
        const string Why = "pemstate's state now lives in server.state_dir, out of data_dir: the database account owns data_dir and pg_basebackup copies it";
        if (state.LegacyLock is { } oldLock)
            moves.Add(Move(server, oldLock, StateFiles.Lock(server),
                $"an older pemstate's apply lock; apply takes it over like a stale lock (--break-lock once its process is gone) and removes it; {Why}"));
        if (state.LegacyJournal is { } oldJournal)
            moves.Add(Move(server, oldJournal, StateFiles.Journal(server),
                $"the last apply's journal; this plan already includes every restart it still owed; {Why}"));
        if (state.LegacyLedger is { } oldLedger)
            moves.Add(Move(server, oldLedger, AgentLedger.PathFor(server),
                $"the agent ledger; only the entries that pass the ledger checks are written; {Why}"));
        foreach (var set in state.LegacySets)
            moves.Add(Move(server, set.Folder, Path.Combine(server.BackupDir, set.Id),
                $"backup set {set.Id} ({set.Files.Count} file{(set.Files.Count == 1 ? "" : "s")}, every copy matching its manifest); {Why}"));

        if (moves.Count == 0 && warnings.Count == 0) return plan;
        return plan with
        {
            Steps = [.. moves, .. plan.Steps],
            Warnings = [.. plan.Warnings, .. warnings],
            Refusals = [.. plan.Refusals, .. refusals],
        };
    }

    private static PlanStep Move(ServerSpec server, string from, string to, string reason) =>
        new MoveStateStep(Addresses.State, server.Host, reason, to, from);
}
