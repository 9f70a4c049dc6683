namespace PemCertState.Hosts;

/// <summary>
/// Group commit: callers add items at once, and one drainer hands every item queued meanwhile to <c>flush</c> as one
/// batch (at most <c>maxBatch</c>), in the order they came, while the batch before it is on its way. Alone, an item
/// goes at once. Used for the apply journal (one append and fsync for the lines of concurrent agents) and for SSH
/// reads (one command for the files asked for meanwhile). A failed flush fails every item of its batch.
/// </summary>
/// <param name="flush">One result per item, in the items' order.</param>
/// <param name="ready">
/// Awaited before the first batch leaves (its failure is left for <c>flush</c> to report). SSH reads wait for the
/// connection here: the items asked for while it is made go out together, not the first one alone and the rest after.
/// </param>
internal sealed class Batcher<TItem, TResult>(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> flush, int maxBatch = int.MaxValue, Func<Task>? ready = null)
{
    private readonly Lock _lock = new();
    private readonly List<(TItem Item, TaskCompletionSource<TResult> Slot)> _queue = [];
    private bool _draining;

    /// <summary>The item's result once its batch is flushed. The batch is shared, so no caller's token cancels it; WaitAsync stops waiting.</summary>
    public Task<TResult> AddAsync(TItem item)
    {
        var slot = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool drain;
        lock (_lock)
        {
            _queue.Add((item, slot));
            drain = !_draining;
            _draining = true;
        }
        if (drain) _ = DrainAsync();
        return slot.Task;
    }

    private async Task DrainAsync()
    {
        // Let the callers running beside this one add theirs before the first batch leaves.
        await Task.Yield();
        if (ready is not null)
        {
            try { await ready().ConfigureAwait(false); }
#pragma warning disable CA1031 // the flush meets the same failure and reports it to every caller
            catch (Exception) { }
#pragma warning restore CA1031
            ready = null;
        }
        while (true)
        {
            List<(TItem Item, TaskCompletionSource<TResult> Slot)> batch;
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _draining = false;
                    return;
                }
                batch = _queue.Take(maxBatch).ToList();
                _queue.RemoveRange(0, batch.Count);
            }
            try
            {
                var results = await flush([.. batch.Select(b => b.Item)]).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++) batch[i].Slot.TrySetResult(results[i]);
            }
            catch (Exception e)
            {
                foreach (var (_, slot) in batch) slot.TrySetException(e);
            }
        }
    }
}
