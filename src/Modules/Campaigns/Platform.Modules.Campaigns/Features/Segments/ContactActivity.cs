using Microsoft.Extensions.Logging;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns.Features.Segments;

/// <summary>
/// Keeps <c>campaigns.contact_activity</c> — per company and number, when it was last sent to, delivered to, failed and
/// clicked — for segments' activity rules (ADR 35), folded set-based rather than written per message on the send path:
/// <list type="bullet">
/// <item>each campaign whose submitted + delivered + failed counters moved since its last fold is folded in one
/// statement over its sent messages (the (campaign_id, state, id) index), at once when it no longer sends and, while it
/// does, <see cref="SendingRefold"/> after it started or was last folded, since each fold reads all its sent messages;</item>
/// <item>link clicks are folded from <c>link_clicks</c> by their last click time, reading back <see cref="ClickSlack"/>
/// for clicks the click writer recorded after a fold had passed their time.</item>
/// </list>
/// Folding is idempotent (the latest time wins), so a run repeated after a crash changes nothing twice.
/// </summary>
internal sealed class ContactActivityJob(CampaignsDataSource data, TimeProvider clock, ILogger<ContactActivityJob> logger) : IRecurringJob
{
    public const string Id = "campaigns.contact-activity";

    public static readonly TimeSpan SendingRefold = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ClickSlack = TimeSpan.FromMinutes(5);

    private const string ClicksMark = "link_clicks";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var due = new List<(Guid Campaign, Guid Company, long Counters)>();
        await using (var command = data.Source.CreateCommand($"""
            SELECT id, company_id, submitted + delivered + failed FROM campaigns.campaigns
            WHERE submitted + delivered + failed > activity_folded
              -- A campaign still sending waits five minutes from its start or its last fold: a million-recipient send is
              -- over in under two, and is folded once, at the end, rather than while it competes with the sending.
              AND (status <> @sending OR COALESCE(activity_folded_at, started_at, updated_at) < @refold)
            ORDER BY updated_at LIMIT 100
            """))
        {
            command.Parameters.AddWithValue("sending", CampaignStatus.Sending);
            command.Parameters.AddWithValue("refold", now - SendingRefold);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetInt64(2)));
            }
        }

        long numbers = 0;
        foreach (var (campaign, company, counters) in due)
        {
            numbers += await FoldCampaignAsync(campaign, company, counters, now, cancellationToken);
        }

        var clicks = await FoldClicksAsync(cancellationToken);
        logger.LogDebug("Contact activity: {Campaigns} campaigns ({Numbers} numbers) and {Clicks} clicked numbers folded", due.Count, numbers, clicks);
        return $"{due.Count} campaigns folded ({numbers} numbers changed), {clicks} clicked numbers";
    }

    /// <summary>Folds one campaign's sent messages; answers how many numbers' activity changed.</summary>
    private async Task<int> FoldCampaignAsync(Guid campaign, Guid company, long counters, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sql = $"""
            WITH folded AS (
                INSERT INTO campaigns.contact_activity AS a (company_id, phone, last_sent_at, last_delivered_at, last_failed_at)
                SELECT @company, phone, max(submitted_at),
                       max(finished_at) FILTER (WHERE state = {MessageStateSql.Delivered}),
                       max(finished_at) FILTER (WHERE state = {MessageStateSql.Failed})
                FROM campaigns.messages
                WHERE campaign_id = @campaign AND id >= {MessagePartitions.CampaignFloor("@campaign")}
                  AND state IN ({MessageStateSql.Submitted}, {MessageStateSql.Delivered}, {MessageStateSql.Failed}, {MessageStateSql.Expired}, {MessageStateSql.Unknown})
                GROUP BY phone
                ORDER BY phone
                ON CONFLICT (company_id, phone) DO UPDATE SET
                    last_sent_at = GREATEST(a.last_sent_at, EXCLUDED.last_sent_at),
                    last_delivered_at = GREATEST(a.last_delivered_at, EXCLUDED.last_delivered_at),
                    last_failed_at = GREATEST(a.last_failed_at, EXCLUDED.last_failed_at)
                -- Rows already up to date are not rewritten (a campaign folded again while it sends).
                WHERE (a.last_sent_at, a.last_delivered_at, a.last_failed_at)
                      IS DISTINCT FROM (GREATEST(a.last_sent_at, EXCLUDED.last_sent_at), GREATEST(a.last_delivered_at, EXCLUDED.last_delivered_at), GREATEST(a.last_failed_at, EXCLUDED.last_failed_at))
                RETURNING 1),
            marked AS (
                UPDATE campaigns.campaigns SET activity_folded = @counters, activity_folded_at = @now WHERE id = @campaign)
            SELECT count(*)::int FROM folded
            """;
        return await data.Source.ScalarAsync<int>(sql, cancellationToken, ("campaign", campaign), ("company", company), ("counters", counters), ("now", now));
    }

    private async Task<int> FoldClicksAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            WITH mark AS (
                SELECT COALESCE((SELECT through FROM campaigns.activity_fold_marks WHERE name = @mark), '-infinity'::timestamptz) AS through),
            clicked AS (
                SELECT lc.company_id, m.phone, max(lc.last_clicked_at) AS at
                FROM campaigns.link_clicks lc JOIN campaigns.messages m ON m.id = lc.message_id, mark
                WHERE lc.last_clicked_at > mark.through - @slack
                GROUP BY lc.company_id, m.phone),
            folded AS (
                INSERT INTO campaigns.contact_activity AS a (company_id, phone, last_clicked_at)
                SELECT company_id, phone, at FROM clicked ORDER BY company_id, phone
                ON CONFLICT (company_id, phone) DO UPDATE SET last_clicked_at = EXCLUDED.last_clicked_at
                WHERE a.last_clicked_at IS NULL OR a.last_clicked_at < EXCLUDED.last_clicked_at
                RETURNING 1),
            marked AS (
                INSERT INTO campaigns.activity_fold_marks (name, through)
                SELECT @mark, max(at) FROM clicked HAVING max(at) IS NOT NULL
                ON CONFLICT (name) DO UPDATE SET through = GREATEST(campaigns.activity_fold_marks.through, EXCLUDED.through))
            SELECT count(*)::int FROM folded
            """;
        return await data.Source.ScalarAsync<int>(sql, cancellationToken, ("mark", ClicksMark), ("slack", ClickSlack));
    }
}
