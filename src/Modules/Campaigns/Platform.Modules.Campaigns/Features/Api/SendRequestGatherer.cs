using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>A send request read and checked (<see cref="SendRequestReader"/>), waiting to be stored.</summary>
internal sealed record PendingSend(ApiCaller Caller, SendRequest Request, string? IdempotencyKey, byte[] Hash);

/// <summary>
/// Stores the send requests that arrive together as one hidden campaign, the way a database commits concurrent
/// transactions with one flush (issue #16, ADR 38). A request costs a campaign of its own a preparation, a credit
/// reservation on the company's balance row and a Hangfire run: at 64 clients sending one message each, the host did
/// ~200 requests a second, each waiting on the one before it at the balance row. Requests of one company, Sender ID and
/// kind (marketing or not) share a lane: while a batch of the lane is being stored, the requests that arrive wait, and
/// the next batch takes all of them (up to <see cref="SendRequestReader.MaxMessages"/> messages and never one number
/// twice, as in one request). A request that finds its lane idle is stored at once (with any that came at the same
/// moment) — no request waits for others to come. Each request still gets its own answer, refusals included (<see cref="SendApiService.StoreAsync"/>).
/// </summary>
internal sealed class SendRequestGatherer(Func<IReadOnlyList<PendingSend>, Task<SendResult[]>> store, ILogger<SendRequestGatherer> logger)
{
    /// <summary>The host's: each batch stored by <see cref="SendApiService"/> in a scope of its own, as it outlives the request that started it.</summary>
    public static SendRequestGatherer ForHost(IServiceProvider services)
    {
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        return new SendRequestGatherer(
            async batch =>
            {
                await using var scope = scopes.CreateAsyncScope();
                return await scope.ServiceProvider.GetRequiredService<SendApiService>().StoreAsync(batch, CancellationToken.None);
            },
            services.GetRequiredService<ILogger<SendRequestGatherer>>());
    }

    /// <summary>Batches of one lane stored at once: one stored while the next is read and prepared keeps the database busy.</summary>
    internal const int StoresPerLane = 2;

    private readonly Dictionary<(Guid Company, string From, bool Marketing), Lane> _lanes = [];

    /// <summary>The request's answer once the batch it was stored in is committed (or refused).</summary>
    public Task<SendResult> SubmitAsync(PendingSend pending)
    {
        var waiting = new Waiting(pending);
        var key = (pending.Caller.CompanyId, pending.Request.From, pending.Request.Marketing);
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
            if (lane.Storing < StoresPerLane)
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

    private async Task StoreAsync((Guid Company, string From, bool Marketing) key, Lane lane)
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
                var results = await store([.. batch.Select(w => w.Pending)]);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Answer.TrySetResult(results[i]);
                }
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "Storing {Requests} send-API requests of company {Company} failed", batch.Count, key.Company);
                foreach (var waiting in batch)
                {
                    waiting.Answer.TrySetException(exception);
                }
            }
        }
    }

    /// <summary>The waiting requests, in order, that fit one batch: up to the largest request's size, no number twice.</summary>
    private static List<Waiting> Take(List<Waiting> queue)
    {
        var batch = new List<Waiting>();
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < queue.Count; i++)
        {
            var messages = queue[i].Pending.Request.Messages;
            if (batch.Count > 0 && (numbers.Count + messages.Count > SendRequestReader.MaxMessages || messages.Any(m => numbers.Contains(m.To))))
            {
                continue;
            }

            numbers.UnionWith(messages.Select(m => m.To));
            batch.Add(queue[i]);
            queue.RemoveAt(i--);
        }

        return batch;
    }

    private sealed class Lane
    {
        public List<Waiting> Queue { get; } = [];

        public int Storing { get; set; }
    }

    private sealed class Waiting(PendingSend pending)
    {
        public PendingSend Pending { get; } = pending;

        public TaskCompletionSource<SendResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
