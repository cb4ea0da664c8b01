using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>
/// Posts each company's inbound feed (messages from handsets, opt-outs, opt-ins) to its webhook, in feed order, from
/// <see cref="WebhookDispatchJob"/>. Per company a cursor (campaigns.inbound_webhook_cursors) says how far the receiver
/// has taken the feed; it moves only after a 2xx, in the same statement for every company of a round. Companies with
/// something after their cursor are claimed SKIP LOCKED with a lease, so nodes share the work and a node that dies
/// mid-post leaves its companies to be posted again after the lease (at least once: receivers dedupe by id). A failed
/// post is retried with the receipts' back-off; after the last attempt the items it carried are given up (they stay
/// in <c>GET /api/v1/inbound</c>) so one bad item cannot hold the feed forever.
/// </summary>
internal sealed class InboundWebhookDispatcher(
    CampaignsDataSource dataSource, InboundFeed feed, WebhookPoster poster, IOptions<SendApiOptions> options, TimeProvider clock,
    ILogger<InboundWebhookDispatcher> logger)
{
    /// <summary>Items read per company per round, and the most one post carries (as receipts).</summary>
    public const int Batch = 500;

    /// <summary>
    /// Companies claimed per round, all posted to at once (each company's own posts stay in order, one after another),
    /// so no claim waits for another's receiver while its lease runs.
    /// </summary>
    private const int CompaniesPerRound = 8;

    /// <summary>
    /// Posts per company per round (a feed that alternates types continues in the next round at once), so a round
    /// ends within the lease (<see cref="Lease"/>) and a slow receiver is not posted to by two nodes at once.
    /// </summary>
    private const int PostsPerRound = 10;

    /// <summary>How long a claim is a node's alone: every post of a round timing out, and a minute to spare (at least three).</summary>
    private TimeSpan Lease => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(3).Ticks, (options.Value.WebhookTimeout * PostsPerRound + TimeSpan.FromMinutes(1)).Ticks));

    /// <summary>One pass: cursors follow the webhooks, then up to 10 rounds of claim, post, record. Answers items posted and not (yet) posted.</summary>
    public async Task<(int Posted, int Failed)> DispatchAsync(CancellationToken cancellationToken)
    {
        // Entries are numbered by the feed's readers (0013): the claim below finds companies by their last number, and a
        // new webhook starts after the items numbered before it was saved.
        await feed.NumberAsync(null, cancellationToken);
        await FollowWebhooksAsync(cancellationToken);
        var (posted, failed) = (0, 0);
        for (var round = 0; round < 10 && !cancellationToken.IsCancellationRequested; round++)
        {
            var claimed = await ClaimAsync(cancellationToken);
            if (claimed.Count == 0)
            {
                break;
            }

            var items = await feed.ReadAsync(claimed.Select(c => (c.CompanyId, c.DeliveredSeq)).ToList(), Batch, cancellationToken);
            var outcomes = new ConcurrentBag<Outcome>();
            await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = CompaniesPerRound },
                async (claim, _) => outcomes.Add(await DeliverAsync(claim, items[claim.CompanyId], cancellationToken)));
            // Recorded even when the host is stopping: what receivers took must not be posted to them again.
            await RecordAsync(claimed, outcomes.ToDictionary(o => o.CompanyId), CancellationToken.None);
            posted += outcomes.Sum(o => o.Posted);
            failed += outcomes.Sum(o => o.Failed);
        }

        return (posted, failed);
    }

    private sealed record Claim(Guid CompanyId, long DeliveredSeq, short Attempts, long LastSeq, string Url, string Secret);

    /// <summary>
    /// How far a company's posts got this round: <paramref name="Through"/> is the last item the receiver took;
    /// on an error, <paramref name="FailedThrough"/> is the last item of the post it refused.
    /// </summary>
    private sealed record Outcome(Guid CompanyId, long Through, long FailedThrough, string? Error, int Posted, int Failed);

    /// <summary>
    /// A cursor for every company with a webhook, none for the others. A new webhook (or one removed and set again)
    /// starts after the items written before it was saved: it gets what arrives from then on, not the history.
    /// </summary>
    private async Task FollowWebhooksAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("""
            WITH gone AS (
                DELETE FROM campaigns.inbound_webhook_cursors c
                WHERE NOT EXISTS (SELECT 1 FROM campaigns.webhooks w WHERE w.company_id = c.company_id))
            INSERT INTO campaigns.inbound_webhook_cursors AS c
                (company_id, webhook_created_at, delivered_seq, attempts, next_attempt_at, last_error, updated_at)
            SELECT w.company_id, w.created_at,
                   COALESCE((SELECT i.seq FROM campaigns.inbound_items i
                             WHERE i.company_id = w.company_id AND i.created_at < w.created_at
                             ORDER BY i.seq DESC LIMIT 1), 0),
                   0, @now, NULL, @now
            FROM campaigns.webhooks w
            LEFT JOIN campaigns.inbound_webhook_cursors x ON x.company_id = w.company_id
            WHERE x.company_id IS NULL OR x.webhook_created_at <> w.created_at
            ON CONFLICT (company_id) DO UPDATE SET
                webhook_created_at = EXCLUDED.webhook_created_at, delivered_seq = EXCLUDED.delivered_seq, attempts = 0,
                next_attempt_at = EXCLUDED.next_attempt_at, last_error = NULL, updated_at = EXCLUDED.updated_at
            """);
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = clock.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Companies whose feed has items after their cursor and whose next attempt is due, leased (<see cref="Lease"/>); the
    /// attempt is counted now, so a node that dies mid-post still uses one up. <c>last_seq</c> is read in the same
    /// statement: every item up to it has committed (numbers commit in order), which lets a short read move the
    /// cursor past items deleted since (retention, erasure).
    /// </summary>
    private async Task<IReadOnlyList<Claim>> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.Source.CreateCommand("""
            WITH due AS (
                SELECT c.company_id, s.last_seq FROM campaigns.inbound_webhook_cursors c
                JOIN campaigns.inbound_sequences s ON s.company_id = c.company_id
                WHERE c.next_attempt_at <= @now AND s.last_seq > c.delivered_seq
                ORDER BY c.next_attempt_at LIMIT @companies
                FOR UPDATE OF c SKIP LOCKED),
            leased AS (
                UPDATE campaigns.inbound_webhook_cursors c SET next_attempt_at = @lease, attempts = c.attempts + 1, updated_at = @now
                FROM due WHERE c.company_id = due.company_id
                RETURNING c.company_id, c.delivered_seq, c.attempts, due.last_seq)
            SELECT l.company_id, l.delivered_seq, l.attempts, l.last_seq, w.url, w.secret
            FROM leased l JOIN campaigns.webhooks w ON w.company_id = l.company_id
            """);
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
        command.Parameters.Add(new NpgsqlParameter("lease", NpgsqlDbType.TimestampTz) { Value = now + Lease });
        command.Parameters.Add(new NpgsqlParameter("companies", NpgsqlDbType.Integer) { Value = CompaniesPerRound });
        var result = new List<Claim>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new Claim(reader.GetGuid(0), reader.GetInt64(1), reader.GetInt16(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5)));
        }

        return result;
    }

    /// <summary>
    /// Posts a company's items in order, one post per run of items of the same type (the post's <c>type</c> names what
    /// its <c>data</c> holds, as <c>message.status</c> does for receipts), stopping at the first refusal.
    /// </summary>
    private async Task<Outcome> DeliverAsync(Claim claim, IReadOnlyList<InboundItem> items, CancellationToken cancellationToken)
    {
        var through = claim.DeliveredSeq;
        var (posted, start, posts) = (0, 0, 0);
        while (start < items.Count)
        {
            if (++posts > PostsPerRound || cancellationToken.IsCancellationRequested)
            {
                return new Outcome(claim.CompanyId, through, through, null, posted, 0);
            }

            var type = items[start].Type;
            var end = start;
            while (end + 1 < items.Count && items[end + 1].Type == type)
            {
                end++;
            }

            var group = items.Skip(start).Take(end - start + 1).ToList();
            var body = JsonSerializer.Serialize(new InboundPost(type, group), ApiJson.Options);
            string? error;
            try
            {
                error = await poster.PostAsync(claim.Url, claim.Secret, body, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host is stopping mid-post: what was taken before is kept; this post is made again (at least once).
                return new Outcome(claim.CompanyId, through, through, null, posted, 0);
            }

            if (error is not null)
            {
                return new Outcome(claim.CompanyId, through, group[^1].Id, error, posted, items.Count - start);
            }

            through = group[^1].Id;
            posted += group.Count;
            start = end + 1;
        }

        // A short read holds every item up to last_seq that still exists: the rest were deleted, so the cursor passes them.
        return new Outcome(claim.CompanyId, items.Count < Batch ? Math.Max(through, claim.LastSeq) : through, through, null, posted, 0);
    }

    private sealed record InboundPost(string Type, IReadOnlyList<InboundItem> Data);

    /// <summary>
    /// Moves every claimed company's cursor in one statement: past what was taken; on a refusal, to the next attempt
    /// (the back-off restarts when the refused post is not the one that failed before); after the last attempt, past
    /// the refused items.
    /// </summary>
    private async Task RecordAsync(IReadOnlyList<Claim> claimed, IReadOnlyDictionary<Guid, Outcome> outcomes, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var rows = new List<(Guid Company, long Delivered, short Attempts, DateTimeOffset NextAt, string? Error)>();
        foreach (var claim in claimed)
        {
            if (!outcomes.TryGetValue(claim.CompanyId, out var outcome))
            {
                continue; // not posted (cancelled): the lease runs out and the attempt is made again
            }

            if (outcome.Error is null)
            {
                rows.Add((claim.CompanyId, outcome.Through, 0, now, null));
                continue;
            }

            // The claim counted this attempt for the item after the old cursor; if earlier posts moved the cursor,
            // the refused post starts a new item's count.
            var attempts = outcome.Through > claim.DeliveredSeq ? (short)1 : claim.Attempts;
            if (attempts >= settings.WebhookMaxAttempts)
            {
                logger.LogWarning("Inbound webhook of company {Company}: items {From}–{To} given up after {Attempts} attempts ({Error})",
                    claim.CompanyId, outcome.Through + 1, outcome.FailedThrough, attempts, outcome.Error);
                rows.Add((claim.CompanyId, outcome.FailedThrough, 0, now,
                    $"Items {outcome.Through + 1}–{outcome.FailedThrough} were given up after {attempts} attempts (still in GET /api/v1/inbound): {outcome.Error}"));
            }
            else
            {
                rows.Add((claim.CompanyId, outcome.Through, attempts, poster.RetryAt(now, attempts), outcome.Error));
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        await using var command = dataSource.Source.CreateCommand("""
            UPDATE campaigns.inbound_webhook_cursors c SET
                delivered_seq = GREATEST(c.delivered_seq, r.delivered),
                attempts = r.attempts, next_attempt_at = r.next_at, last_error = r.error, updated_at = @now
            FROM unnest(@companies, @delivered, @attempts, @next_at, @errors) AS r(company_id, delivered, attempts, next_at, error)
            WHERE c.company_id = r.company_id
            """);
        command.Parameters.Add(new NpgsqlParameter("companies", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = rows.Select(r => r.Company).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("delivered", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rows.Select(r => r.Delivered).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("attempts", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = rows.Select(r => r.Attempts).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("next_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = rows.Select(r => r.NextAt).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Error).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
