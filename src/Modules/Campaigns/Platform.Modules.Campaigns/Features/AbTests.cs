using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Jobs;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns.Features;

/// <summary>
/// A/B tests (ADR 36), every minute: counts each undecided test's variants (sent, delivered, failed, recipients who
/// clicked) from its messages in one grouped statement, and once its decision time has passed picks the winner — the
/// best delivery or click rate, a tie going to the first variant — and either queues the held rest with the winner's
/// body and schedules the sending again, or drops the rest (their credits are released when the campaign settles).
/// The decision is one transaction on the locked campaign row and marks the campaign decided, so a second run, here or
/// on another node, finds nothing to do. Its clock is the keyed <see cref="ClockKey"/> time provider (the system clock;
/// tests set their own to pass the window).
/// </summary>
internal sealed class AbWinnerJob(
    CampaignsDataSource dataSource, CampaignJobs jobs, TimeProvider hostClock, [FromKeyedServices(AbWinnerJob.ClockKey)] TimeProvider clock,
    ILogger<AbWinnerJob> logger) : IRecurringJob
{
    public const string Id = "campaigns.ab-winner";
    public const string ClockKey = "campaigns.ab-clock";

    /// <summary>Statuses in which a test has sent (or sends) and is counted; a test waiting for the company (needs attention) waits.</summary>
    private static readonly string[] Counted = [CampaignStatus.Sending, CampaignStatus.Paused, CampaignStatus.Completed, CampaignStatus.Cancelled];

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var tests = new List<(Guid Id, Guid CompanyId, DateTimeOffset DecideAt)>();
        // Through the partial index of undecided tests: a handful of rows whatever the campaigns table's size.
        await using (var command = dataSource.Source.CreateCommand("""
            SELECT id, company_id, ab_decide_at FROM campaigns.campaigns
            WHERE ab_decide_at IS NOT NULL AND ab_decided_at IS NULL AND status = ANY (@statuses)
            ORDER BY ab_decide_at LIMIT 500
            """))
        {
            command.Parameters.AddWithValue("statuses", Counted);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                tests.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }

        var decided = 0;
        foreach (var (id, companyId, decideAt) in tests)
        {
            if (decideAt <= now)
            {
                decided += await DecideAsync(id, companyId, now, cancellationToken) ? 1 : 0;
            }
            else
            {
                await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
                await TallyAsync(connection, id, companyId, now, cancellationToken);
            }
        }

        return $"{tests.Count} A/B tests counted, {decided} decided";
    }

    /// <summary>
    /// The test's counts per variant from its messages: one grouped statement over the campaign's messages in states ≥ 0
    /// (an index range that skips the held rest), with each message's clicks found in the campaign's link_clicks.
    /// </summary>
    private static Task TallyAsync(NpgsqlConnection connection, Guid campaignId, Guid companyId, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync($"""
            UPDATE campaigns.campaign_variants v
            SET sent = x.sent, delivered = x.delivered, failed = x.failed, clicked = x.clicked, counted_at = @now
            FROM (SELECT m.variant,
                         count(*) FILTER (WHERE m.submitted_at IS NOT NULL OR m.state = {MessageStateSql.Unknown})::int AS sent,
                         count(*) FILTER (WHERE m.state = {MessageStateSql.Delivered})::int AS delivered,
                         count(*) FILTER (WHERE m.state IN ({MessageStateSql.Failed}, {MessageStateSql.Expired}))::int AS failed,
                         count(c.message_id)::int AS clicked
                  FROM campaigns.messages m
                  LEFT JOIN (SELECT DISTINCT message_id FROM campaigns.link_clicks WHERE campaign_id = @campaign AND company_id = @company) c ON c.message_id = m.id
                  WHERE m.campaign_id = @campaign AND m.company_id = @company AND m.state >= {MessageStateSql.Queued} AND m.variant IS NOT NULL
                    AND m.id >= {MessagePartitions.CampaignFloor("@campaign")}
                  GROUP BY m.variant) x
            WHERE v.campaign_id = @campaign AND v.company_id = @company AND v.variant = x.variant
            """, cancellationToken, ("campaign", campaignId), ("company", companyId), ("now", now));

    /// <summary>
    /// The decision, once: the last count, the winner, and what becomes of the held rest, in one transaction on the
    /// locked campaign row. False when another run decided it meanwhile.
    /// </summary>
    private async Task<bool> DecideAsync(Guid campaignId, Guid companyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        string status, metric;
        bool sendRest;
        await using (var command = new NpgsqlCommand(
            "SELECT status, ab_metric, ab_send_rest FROM campaigns.campaigns WHERE id = @campaign AND company_id = @company AND ab_decided_at IS NULL FOR UPDATE", connection, transaction))
        {
            command.Parameters.AddWithValue("campaign", campaignId);
            command.Parameters.AddWithValue("company", companyId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return false;
            }

            (status, metric, sendRest) = (reader.GetString(0), reader.GetString(1), reader.GetBoolean(2));
        }

        await TallyAsync(connection, campaignId, companyId, now, cancellationToken);
        // The best rate wins; a tie goes to the first variant (A before B). A variant that sent nothing rates 0.
        var rate = metric == AbMetrics.Clicks ? "clicked" : "delivered";
        var winner = await connection.ScalarAsync<short>($"""
            SELECT variant FROM campaigns.campaign_variants WHERE campaign_id = @campaign AND company_id = @company
            ORDER BY CASE WHEN sent = 0 THEN 0 ELSE {rate}::numeric / sent END DESC, variant LIMIT 1
            """, cancellationToken, ("campaign", campaignId), ("company", companyId));

        // The rest is only touched while the campaign still sends (or is paused: resuming sends it); a cancelled one keeps
        // its held rows unsent, settled like its other unsent messages.
        var live = status is CampaignStatus.Sending or CampaignStatus.Paused;
        var queued = 0;
        var dropped = 0;
        if (live && sendRest)
        {
            queued = await connection.ExecuteAsync($"""
                UPDATE campaigns.messages SET state = {MessageStateSql.Queued}, variant = @winner, not_before = @due
                WHERE campaign_id = @campaign AND company_id = @company AND state = {MessageStateSql.Held} AND id >= {MessagePartitions.CampaignFloor("@campaign")}
                """, cancellationToken, ("campaign", campaignId), ("company", companyId), ("winner", winner), ("due", hostClock.GetUtcNow()));
        }
        else if (live)
        {
            // Never to be sent: no longer recipients of the campaign, so its counters add up and it completes.
            dropped = await connection.ScalarAsync<int>($"""
                WITH dropped AS (
                    DELETE FROM campaigns.messages WHERE campaign_id = @campaign AND company_id = @company AND state = {MessageStateSql.Held}
                      AND id >= {MessagePartitions.CampaignFloor("@campaign")} RETURNING 1)
                UPDATE campaigns.campaigns SET targeted = targeted - (SELECT count(*) FROM dropped) WHERE id = @campaign
                RETURNING (SELECT count(*) FROM dropped)::int
                """, cancellationToken, ("campaign", campaignId), ("company", companyId));
        }

        await connection.ExecuteAsync("""
            UPDATE campaigns.campaigns SET ab_winner = @winner, ab_decided_at = @now, ab_rest_sent = @rest, updated_at = now()
            WHERE id = @campaign
            """, cancellationToken, ("campaign", campaignId), ("winner", winner), ("now", now), ("rest", live ? sendRest : null));
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("A/B test of campaign {Campaign} decided: variant {Winner} by {Metric}; {Queued} held recipients queued with it, {Dropped} dropped",
            campaignId, CampaignVariant.Letter(winner), metric, queued, dropped);

        if (status == CampaignStatus.Sending)
        {
            // The campaign's runs gave their slots up when only held recipients were left: armed again now, a run sends the
            // rest, or completes the campaign when the rest was dropped and nothing else is left.
            await jobs.ScheduleAsync(campaignId, hostClock.GetUtcNow(), prepareNow: false, cancellationToken);
        }

        return true;
    }
}
