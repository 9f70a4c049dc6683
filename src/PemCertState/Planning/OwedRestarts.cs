using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.State;

namespace PemCertState.Planning;

/// <summary>
/// The restarts owed by state, like a level-based controller: a consumer whose files on disk differ from the ones it was last
/// (re)started with (loaded.jsonl, <see cref="LoadedFilesFormat"/>) must restart, whichever apply changed them and however it ended. Only a
/// consumer with no record at all falls back on the journal of a pemstate from before the record, which owed the restarts of
/// an interrupted apply.
/// </summary>
internal static class OwedRestarts
{
    public const string Why = "the files it loads on disk differ from the ones it was last (re)started with: an apply changed them, and this restart has not succeeded since";

    /// <summary>The restart addresses owed now.</summary>
    public static IReadOnlySet<ResourceAddress> Of(DesiredState desired, ObservedState observed)
    {
        var journal = observed.Journal is { Finished: false } interrupted ? interrupted.PendingRestarts : new HashSet<ResourceAddress>();
        var owed = new HashSet<ResourceAddress>();
        foreach (var consumer in Consumer.All(desired))
        {
            if (observed.Loaded is { } loaded && loaded.TryGetValue(consumer.Name, out var last))
            {
                if (consumer.Fingerprint(observed) is { } now && now != last) owed.Add(consumer.Restart);
            }
            else if (journal.Contains(consumer.Restart))
            {
                owed.Add(consumer.Restart);
            }
        }
        return owed;
    }

    /// <summary>What every consumer would be recorded as having loaded if it were (re)started now: the files on disk.</summary>
    public static Dictionary<string, string> OnDisk(DesiredState desired, ObservedState observed)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var consumer in Consumer.All(desired))
            if (consumer.Fingerprint(observed) is { } now) records[consumer.Name] = now;
        return records;
    }

    /// <summary>
    /// Whether an apply must (re)write the record before its first change: the plan restarts something (its line follows), or
    /// the baseline gains a consumer that was never recorded. A plan that only waits for signatures, or an empty one, touches nothing.
    /// </summary>
    public static bool MustRecord(IReadOnlyDictionary<string, string> baseline, ObservedState observed, Plan plan) =>
        plan.Steps.Any(s => s.Action is StepAction.Restart or StepAction.Reload) || baseline.Count != (observed.Loaded?.Count ?? -1);

    /// <summary>
    /// What an apply of <paramref name="plan"/> starts loaded.jsonl with: every record kept, and for each consumer
    /// never recorded, the files on disk (it is taken to run them: nothing owed it a restart) or, when the plan restarts it,
    /// <see cref="LoadedFilesFormat.Unknown"/>, so that it owes that restart until it succeeds whatever stops the apply.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Baseline(DesiredState desired, ObservedState observed, Plan plan)
    {
        var records = new Dictionary<string, string>(observed.Loaded ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var restarted = plan.Steps.Where(s => s.Action is StepAction.Restart or StepAction.Reload)
            .Select(s => Consumer.Of(desired, s.Address)?.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var consumer in Consumer.All(desired))
        {
            if (records.ContainsKey(consumer.Name)) continue;
            if (restarted.Contains(consumer.Name)) records[consumer.Name] = LoadedFilesFormat.Unknown;
            else if (consumer.Fingerprint(observed) is { } now) records[consumer.Name] = now;
        }
        return records;
    }
}
