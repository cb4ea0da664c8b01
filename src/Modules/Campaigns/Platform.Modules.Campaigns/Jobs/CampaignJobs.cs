using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Modules.Campaigns.Sending;
using Quartz;

namespace Platform.Modules.Campaigns.Jobs;

/// <summary>
/// Schedules the sending of campaigns on the Quartz cluster. One durable job, "send-campaign", and per campaign a
/// trigger group "campaign-&lt;id&gt;" holding its runs: <see cref="CampaignsOptions.Slots"/> of them at once, so that
/// several nodes share a big campaign (their batches never overlap: claims use SKIP LOCKED).
/// </summary>
internal sealed class CampaignJobs(ISchedulerFactory schedulers, IOptions<CampaignsOptions> options)
{
    public const string CampaignIdKey = "campaignId";

    public static string Group(Guid campaignId) => $"campaign-{campaignId:N}";

    /// <summary>Runs the campaign at <paramref name="at"/> in as many slots as configured (and one now to prepare it early).</summary>
    public async Task ScheduleAsync(Guid campaignId, DateTimeOffset at, bool prepareNow, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        if (prepareNow && at > DateTimeOffset.UtcNow)
        {
            await scheduler.ScheduleJob(Trigger(campaignId, DateTimeOffset.UtcNow, "prepare"), new ScheduleJobOptions(), cancellationToken);
        }

        for (var slot = 0; slot < Math.Max(1, options.Value.Slots); slot++)
        {
            await scheduler.ScheduleJob(Trigger(campaignId, at, $"slot{slot}"), new ScheduleJobOptions(), cancellationToken);
        }
    }

    /// <summary>The next run of one slot (called by a run that stops with work left).</summary>
    public async Task ContinueAsync(Guid campaignId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.ScheduleJob(Trigger(campaignId, at, "next"), new ScheduleJobOptions(), cancellationToken);
    }

    /// <summary>Removes the campaign's pending runs (pause, cancel, needs attention); a run already going stops at its next batch.</summary>
    public async Task UnscheduleAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var keys = await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(Group(campaignId)), cancellationToken);
        if (keys.Count > 0)
        {
            await scheduler.UnscheduleJobs(keys.ToList(), cancellationToken);
        }
    }

    public async Task<bool> HasRunsAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        return (await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(Group(campaignId)), cancellationToken)).Count > 0;
    }

    private static ITrigger Trigger(Guid campaignId, DateTimeOffset at, string purpose) => TriggerBuilder.Create()
        .WithIdentity($"{purpose}-{Guid.NewGuid():N}", Group(campaignId))
        .ForJob(SendCampaignJob.Key)
        .UsingJobData(CampaignIdKey, campaignId.ToString())
        .StartAt(at)
        .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
        .Build();
}

/// <summary>
/// One sending run of one campaign (see <see cref="CampaignSender"/>). Requests recovery: when its node dies, another
/// node (or this one restarted) runs it again; claims the dead run held become Unknown, never resent.
/// </summary>
internal sealed class SendCampaignJob(CampaignSender sender, CampaignJobs jobs, ILogger<SendCampaignJob> logger) : IJob
{
    public static readonly JobKey Key = new("send-campaign", "campaigns");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(context.MergedJobDataMap.GetString(CampaignJobs.CampaignIdKey), out var campaignId))
        {
            logger.LogWarning("send-campaign fired without a campaign id; nothing to do");
            return;
        }

        var next = await sender.RunAsync(campaignId, cancellationToken);
        if (next is { } at)
        {
            await jobs.ContinueAsync(campaignId, at, CancellationToken.None);
            context.Result = $"Campaign {campaignId}: continues at {at:u}";
        }
        else
        {
            context.Result = $"Campaign {campaignId}: run finished";
        }
    }
}

/// <summary>
/// Every few seconds: claims held by dead nodes become Unknown, submitted messages without a receipt past the timeout
/// become Expired, receipts that overtook their submit are applied, campaigns with nothing left are completed and
/// settled, and a sending campaign that lost its runs (a node died between runs) gets them back.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class CampaignMaintenanceJob(
    MessageStore store,
    CampaignsDataSource dataSource,
    CampaignJobs jobs,
    CampaignSettlement settlement,
    IOptions<CampaignsOptions> options,
    TimeProvider clock,
    ILogger<CampaignMaintenanceJob> logger) : IJob
{
    public static readonly JobKey Key = new("campaign-maintenance", "campaigns");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (unknown, expired) = await store.SweepAsync(now - options.Value.ClaimLease, now - options.Value.ReceiptTimeout, now, cancellationToken);
        var applied = await store.ApplyPendingAsync(cancellationToken);

        var restarted = 0;
        var completed = 0;
        foreach (var (id, status, scheduledAt, settled) in await ActiveAsync(cancellationToken))
        {
            if (status is "Completed" or "Cancelled")
            {
                if (!settled)
                {
                    await settlement.SettleAsync(id, cancellationToken);
                }

                continue;
            }

            var remaining = await store.HasWorkAsync(id, cancellationToken);
            if (status == "Sending" && !remaining.Queued && !remaining.Claimed)
            {
                await settlement.CompleteAsync(id, cancellationToken);
                completed++;
            }
            else if ((status == "Sending" || (scheduledAt is { } at && at <= now)) && !await jobs.HasRunsAsync(id, cancellationToken))
            {
                await jobs.ScheduleAsync(id, now, prepareNow: false, cancellationToken);
                restarted++;
            }
        }

        if (unknown + expired + applied + restarted + completed > 0)
        {
            logger.LogInformation("Campaign maintenance: {Unknown} unknown, {Expired} expired, {Applied} late receipts applied, {Restarted} campaigns resumed, {Completed} completed",
                unknown, expired, applied, restarted, completed);
        }

        context.Result = $"{unknown} unknown, {expired} expired, {applied} receipts applied, {restarted} resumed, {completed} completed";
    }

    private async Task<List<(Guid Id, string Status, DateTimeOffset? ScheduledAt, bool Settled)>> ActiveAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("""
            SELECT id, status, scheduled_at, settled_at IS NOT NULL FROM campaigns.campaigns
            WHERE status IN ('Scheduled', 'Sending') OR (status IN ('Completed', 'Cancelled') AND settled_at IS NULL AND reserved_credits > 0)
            """);
        var result = new List<(Guid, string, DateTimeOffset?, bool)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3)));
        }

        return result;
    }
}
