using Microsoft.Extensions.Logging;

namespace Platform.Modules.Shared;

/// <summary>
/// Stores the items that arrive together in one batch, the way a database commits concurrent transactions with one
/// flush (ADR 38): the send API's requests (one hidden campaign for many), the inbox's replies (one round trip and one
/// commit for many). Items of one key share a lane. An item that finds its lane with a store free is stored at once (with
/// any that came at the same moment) — no item waits for others to come; the items that arrive while the lane's stores are
/// busy wait, and the next batch takes all of them that fit. Each item gets its own answer; a store that fails fails only
/// the items of its batch.
/// </summary>
/// <param name="store">Stores one batch of one key, in the order the items came; answers one result per item, in that order.</param>
/// <param name="newBatch">
/// A fresh admission rule for each batch: called for the waiting items in order, it says whether each joins the batch
/// (and remembers it). It must admit the first item it is given, so that every item is stored eventually.
/// </param>
/// <param name="storesPerLane">Batches of one lane stored at once: one stored while the next is read keeps the database busy.</param>
public sealed class LaneGatherer<TKey, TItem, TResult>(
    Func<TKey, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> store,
    Func<Func<TItem, bool>> newBatch,
    int storesPerLane,
    ILogger logger)
    where TKey : notnull
{
    private readonly Dictionary<TKey, Lane> _lanes = [];

    /// <summary>A gatherer whose batches hold at most <paramref name="maxItemsPerBatch"/> items, in the order they came.</summary>
    public LaneGatherer(Func<TKey, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> store, int maxItemsPerBatch, int storesPerLane, ILogger logger)
        : this(store, () => { var count = 0; return _ => ++count <= maxItemsPerBatch; }, storesPerLane, logger)
    {
    }

    /// <summary>The item's result once the batch it was stored in is stored (or the store's exception).</summary>
    public Task<TResult> SubmitAsync(TKey key, TItem item)
    {
        var waiting = new Waiting(item);
        var start = false;
        Lane? lane;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(key, out lane))
            {
                lane = new Lane();
                _lanes[key] = lane;
            }

            lane.Queue.Add(waiting);
            if (lane.Storing < storesPerLane)
            {
                lane.Storing++;
                start = true;
            }
        }

        if (start)
        {
            _ = Task.Run(() => StoreAsync(key, lane));
        }

        return waiting.Answer.Task;
    }

    /// <summary>Items of the key waiting for a batch (a gauge for tests and diagnostics).</summary>
    public int WaitingFor(TKey key)
    {
        lock (_lanes)
        {
            return _lanes.TryGetValue(key, out var lane) ? lane.Queue.Count : 0;
        }
    }

    private async Task StoreAsync(TKey key, Lane lane)
    {
        while (true)
        {
            List<Waiting> batch;
            lock (_lanes)
            {
                batch = Take(lane.Queue);
                if (batch.Count == 0)
                {
                    if (--lane.Storing == 0)
                    {
                        _lanes.Remove(key);
                    }

                    return;
                }
            }

            try
            {
                var results = await store(key, [.. batch.Select(w => w.Item)]);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Answer.TrySetResult(results[i]);
                }
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "Storing a batch of {Items} ({Key}) failed", batch.Count, key);
                foreach (var waiting in batch)
                {
                    waiting.Answer.TrySetException(exception);
                }
            }
        }
    }

    /// <summary>The waiting items, in order, that the batch's rule admits; the rest wait for the next batch.</summary>
    private List<Waiting> Take(List<Waiting> queue)
    {
        var batch = new List<Waiting>();
        var admits = newBatch();
        for (var i = 0; i < queue.Count; i++)
        {
            if (admits(queue[i].Item))
            {
                batch.Add(queue[i]);
                queue.RemoveAt(i--);
            }
        }

        return batch;
    }

    private sealed class Lane
    {
        public List<Waiting> Queue { get; } = [];

        public int Storing { get; set; }
    }

    private sealed class Waiting(TItem item)
    {
        public TItem Item { get; } = item;

        public TaskCompletionSource<TResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
