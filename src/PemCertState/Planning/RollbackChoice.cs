using PemCertState.Observation;
using PemCertState.State;

namespace PemCertState.Planning;

/// <summary>
/// Which backup set `pemstate rollback` restores: the one named with --backup, else the newest; but after a rollback that
/// was killed or failed, the set that rollback was restoring. Its own set, begun before it stopped, is the newest by then and
/// holds only what it had kept; restoring that undid part of the rollback and left no file as the chosen set had it.
/// </summary>
/// <param name="Id">The set to restore; null when there is none.</param>
/// <param name="Newest">Chosen as the newest set, not named by the person or by the journal: a refused folder that may be newer
/// stops the rollback (restoring an older set then would be restoring something nobody chose).</param>
/// <param name="Continues">The interrupted rollback's own backup id, which this rollback completes; null for a new rollback.</param>
/// <param name="Refusal">Why there is no rollback; when set, nothing else is.</param>
public sealed record RollbackChoice(string? Id, bool Newest, string? Continues = null, string? Note = null, string? Refusal = null)
{
    /// <param name="sets">Every set that passed its checks, oldest first (<see cref="BackupCatalog.ListAsync"/>).</param>
    /// <param name="named">--backup, when given.</param>
    /// <param name="journal">The last run's journal, in the state folder that only root may change: what it says of an interrupted
    /// rollback is believed, where a manifest's rollback_of, in a folder another account may own, is not.</param>
    public static RollbackChoice Of(IReadOnlyList<BackupSet> sets, string? named, ObservedJournal? journal)
    {
        // A rollback always backs up before it restores, so its journal names the set it began.
        if (journal is not { InterruptedRollback: true, RollbackOf: { } target, BackupId: { } begun }) return new(named ?? sets.LastOrDefault()?.Id, named is null);
        if (named == begun)
            return new(null, false, Refusal: $"backup set {begun} was made by the interrupted rollback to {target}: it holds only the files that rollback kept "
                + $"before it stopped. Run `pemstate rollback` (or --backup {target}) to finish that rollback; nothing was changed.");
        if (named is not null && named != target) return new(named, false);
        var note = $"Continuing the interrupted rollback to {target} (run {journal.Apply}, stopped after step {journal.CompletedThrough} of {journal.Steps}): "
            + $"every file of {target} is written again, whether or not that run had reached it, and what it replaces goes into backup set {begun}, "
            + $"which that run began, so that {begun} holds every file as it was before the rollback.";
        return new(target, false, begun, note);
    }
}
