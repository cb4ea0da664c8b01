using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>A send request read and checked (<see cref="SendRequestReader"/>), waiting to be stored.</summary>
internal sealed record PendingSend(ApiCaller Caller, SendRequest Request, string? IdempotencyKey, byte[] Hash);

/// <summary>
/// Stores the send requests that arrive together in one batch, the way a database commits concurrent transactions with
/// one flush (issue #16, ADR 38; the batch goes into its lane's campaign, ADR 40). A request stored alone cost its own
/// credit reservation on the company's balance row and more: at 64 clients sending one message each, the host did ~200
/// requests a second, each waiting on the one before it at the balance row. Requests of one company, Sender ID and
/// kind (marketing or not) share a lane: while a batch of the lane is being stored, the requests that arrive wait, and
/// the next batch takes all of them (up to <see cref="SendRequestReader.MaxMessages"/> messages and never one number
/// twice, as in one request). A request that finds its lane idle is stored at once (with any that came at the same
/// moment) — no request waits for others to come (<see cref="LaneGatherer{TKey, TItem, TResult}"/>). Each request still
/// gets its own answer, refusals included (<see cref="SendApiService.StoreAsync"/>).
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

    private readonly LaneGatherer<(Guid Company, string From, bool Marketing), PendingSend, SendResult> _lanes =
        new(async (_, batch) => await store(batch), NewBatch, StoresPerLane, logger);

    /// <summary>The request's answer once the batch it was stored in is committed (or refused).</summary>
    public Task<SendResult> SubmitAsync(PendingSend pending) =>
        _lanes.SubmitAsync((pending.Caller.CompanyId, pending.Request.From, pending.Request.Marketing), pending);

    /// <summary>A batch is as one request could be: up to the largest request's size, no number twice.</summary>
    private static Func<PendingSend, bool> NewBatch()
    {
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        return pending =>
        {
            var messages = pending.Request.Messages;
            if (numbers.Count > 0 && (numbers.Count + messages.Count > SendRequestReader.MaxMessages || messages.Any(m => numbers.Contains(m.To))))
            {
                return false;
            }

            numbers.UnionWith(messages.Select(m => m.To));
            return true;
        };
    }
}
