using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns.Jobs;

/// <summary>
/// Sends campaigns on the Hangfire cluster (ADR 14). A campaign has <see cref="CampaignsOptions.Slots"/> slots, so several
/// nodes share a big campaign (their batches never overlap: claims use SKIP LOCKED). Each slot is one chain of Hangfire
/// jobs — a run sends for <see cref="CampaignsOptions.RunSlice"/>, then enqueues its successor — and one row in
/// <c>campaigns.campaign_runs</c>: the generation of the run that owns the slot and its lease. A run renews the lease
/// while it sends; a run whose generation is not the slot's any more does nothing, so Hangfire re-running an old job
/// (a killed node's job becoming visible again) never makes a second sender. Claims, message states and counters stay
/// in <c>campaigns.*</c>: a Hangfire job per campaign run, never per batch or message.
/// </summary>
internal sealed class CampaignJobs(CampaignsDataSource dataSource, IBackgroundJobClient hangfire, IOptions<CampaignsOptions> options, TimeProvider clock)
{
    /// <summary>How long a run's lease lasts without renewal: a killed node's slot is re-armed this long after its last renewal.</summary>
    public static readonly TimeSpan RunLease = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a run enqueued or scheduled for now may take to start before the slot counts as lost (its job was
    /// fetched by a host that died, or the host died between arming the slot and enqueueing the job). As long as the
    /// run lease: with the resume job every 10 s, a dead host's slot goes on within 40 s whether its run was sending or
    /// about to start (it was 60 s, which with the resume job's period and a busy machine took 61 s once on CI). A run
    /// that waits longer than this for a worker is superseded by a fresh one, never doubled: the old job finds its
    /// generation gone and returns.
    /// </summary>
    public static readonly TimeSpan StartGrace = RunLease;

    /// <summary>
    /// Arms every slot of the campaign that no run owns (no row, released, or its lease ran out) to run at
    /// <paramref name="at"/>, and prepares the audience at once when the campaign is scheduled for later. Slots a live
    /// run owns are left alone, so this is also how the maintenance job resumes a campaign whose node died.
    /// A campaign that fits one batch asks for one slot (<paramref name="slots"/>): a second run would find nothing to claim
    /// and cost a Hangfire job for it (send-API requests, ADR 38).
    /// </summary>
    public async Task<int> ScheduleAsync(Guid campaignId, DateTimeOffset at, bool prepareNow, CancellationToken cancellationToken, int? slots = null)
    {
        var now = clock.GetUtcNow();
        if (prepareNow && at > now)
        {
            hangfire.Enqueue<SendCampaignRun>(run => run.PrepareAsync(campaignId, CancellationToken.None));
        }

        await using var command = dataSource.Source.CreateCommand("""
            INSERT INTO campaigns.campaign_runs AS r (campaign_id, slot, generation, lease_until)
            SELECT @campaign, s, 1, @lease FROM generate_series(0, @slots - 1) s
            ON CONFLICT (campaign_id, slot) DO UPDATE SET generation = r.generation + 1, lease_until = EXCLUDED.lease_until, node = NULL
            WHERE r.lease_until IS NULL OR r.lease_until < @now
            RETURNING slot, generation
            """);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("slots", Math.Max(1, slots ?? options.Value.Slots));
        command.Parameters.AddWithValue("lease", (at > now ? at : now) + StartGrace);
        command.Parameters.AddWithValue("now", now);
        var armed = new List<(short Slot, int Generation)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                armed.Add((reader.GetInt16(0), reader.GetInt32(1)));
            }
        }

        foreach (var (slot, generation) in armed)
        {
            Start(campaignId, slot, generation, at, now);
        }

        return armed.Count;
    }

    /// <summary>The next run of a slot, by the run that owns it (its slice ended with work left); false when the run lost the slot meanwhile.</summary>
    public async Task<bool> ContinueAsync(Guid campaignId, short slot, int generation, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.Source.CreateCommand("""
            UPDATE campaigns.campaign_runs SET generation = generation + 1, lease_until = @lease, node = NULL
            WHERE campaign_id = @campaign AND slot = @slot AND generation = @generation
            RETURNING generation
            """);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("slot", slot);
        command.Parameters.AddWithValue("generation", generation);
        command.Parameters.AddWithValue("lease", (at > now ? at : now) + StartGrace);
        if (await command.ExecuteScalarAsync(cancellationToken) is not int next)
        {
            return false;
        }

        Start(campaignId, slot, next, at, now);
        return true;
    }

    /// <summary>Takes or renews the slot's lease for the run of <paramref name="generation"/>; false when that run does not own the slot (any more).</summary>
    public async Task<bool> RenewAsync(Guid campaignId, short slot, int generation, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("""
            UPDATE campaigns.campaign_runs SET lease_until = @lease, node = @node
            WHERE campaign_id = @campaign AND slot = @slot AND generation = @generation AND lease_until IS NOT NULL
            """);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("slot", slot);
        command.Parameters.AddWithValue("generation", generation);
        command.Parameters.AddWithValue("lease", clock.GetUtcNow() + RunLease);
        command.Parameters.AddWithValue("node", Environment.MachineName + ":" + Environment.ProcessId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>A run that leaves nothing to do for its slot gives the slot up (the maintenance job re-arms it if the campaign still sends).</summary>
    public async Task ReleaseAsync(Guid campaignId, short slot, int generation, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(
            "UPDATE campaigns.campaign_runs SET lease_until = NULL WHERE campaign_id = @campaign AND slot = @slot AND generation = @generation");
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("slot", slot);
        command.Parameters.AddWithValue("generation", generation);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Pause, cancel, needs attention: every run of the campaign loses its slot; a run going stops before its next batch.</summary>
    public async Task UnscheduleAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(
            "UPDATE campaigns.campaign_runs SET generation = generation + 1, lease_until = NULL, node = NULL WHERE campaign_id = @campaign");
        command.Parameters.AddWithValue("campaign", campaignId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Re-arms the slots of sending campaigns whose run's lease ran out (its host died, or its job never started): a
    /// read of the small <c>campaign_runs</c> table and, only for those, the same upsert as <see cref="ScheduleAsync"/>.
    /// </summary>
    public async Task<int> ResumeExpiredAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var expired = new List<Guid>();
        await using (var command = dataSource.Source.CreateCommand("""
            SELECT DISTINCT r.campaign_id FROM campaigns.campaign_runs r JOIN campaigns.campaigns c ON c.id = r.campaign_id
            WHERE r.lease_until < @now AND c.status = @sending
            """))
        {
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("sending", CampaignStatus.Sending);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                expired.Add(reader.GetGuid(0));
            }
        }

        var armed = 0;
        foreach (var campaignId in expired)
        {
            armed += await ScheduleAsync(campaignId, now, prepareNow: false, cancellationToken);
        }

        return armed;
    }

    /// <summary>Whether any slot of the campaign is owned by a live (or still to start) run.</summary>
    public async Task<bool> HasRunsAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM campaigns.campaign_runs WHERE campaign_id = @campaign AND lease_until >= @now)");
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private void Start(Guid campaignId, short slot, int generation, DateTimeOffset at, DateTimeOffset now)
    {
        if (at <= now)
        {
            hangfire.Enqueue<SendCampaignRun>(run => run.RunAsync(campaignId, slot, generation, CancellationToken.None));
        }
        else
        {
            hangfire.Schedule<SendCampaignRun>(run => run.RunAsync(campaignId, slot, generation, CancellationToken.None), at);
        }
    }
}

/// <summary>
/// One sending run of one slot of a campaign (see <see cref="CampaignSender"/>). Not retried by Hangfire: a failed run
/// stays on the dashboard with its exception, and the maintenance job re-arms its slot once the lease runs out — a
/// Hangfire retry next to that would be a second sender. Stops between batches, never inside one: when the host
/// shuts down, when the campaign is paused or cancelled, or when its lease was lost.
/// </summary>
internal sealed class SendCampaignRun(CampaignSender sender, CampaignJobs jobs, ILogger<SendCampaignRun> logger)
{
    [DisplayName("Send campaign {0} (slot {1})")]
    [AutomaticRetry(Attempts = 0)]
    public async Task<string> RunAsync(Guid campaignId, short slot, int generation, CancellationToken cancellationToken)
    {
        if (!await jobs.RenewAsync(campaignId, slot, generation, cancellationToken))
        {
            return $"Superseded: slot {slot} belongs to a newer run (the campaign was paused, cancelled or resumed, or this run was given up on)";
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = KeepLeaseAsync(campaignId, slot, generation, stop);
        DateTimeOffset? next;
        try
        {
            next = await sender.RunAsync(campaignId, stop.Token);
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeat;
        }

        if (next is { } at && await jobs.ContinueAsync(campaignId, slot, generation, at, CancellationToken.None))
        {
            return $"Handed {campaignId} slot {slot} over to its next run at {at:u}";
        }

        await jobs.ReleaseAsync(campaignId, slot, generation, CancellationToken.None);
        return next is null ? "Run finished: nothing more for this slot" : "Run stopped: the slot was taken over";
    }

    /// <summary>Prepares a campaign scheduled for later at once (audience, prices, credits), so problems show before its time.</summary>
    [DisplayName("Prepare campaign {0}")]
    [AutomaticRetry(Attempts = 3)]
    public async Task<string> PrepareAsync(Guid campaignId, CancellationToken cancellationToken) =>
        await sender.PrepareEarlyAsync(campaignId, cancellationToken);

    /// <summary>Renews the lease every third of its length; when renewal says the slot is gone, the run stops before its next batch.</summary>
    private async Task KeepLeaseAsync(Guid campaignId, short slot, int generation, CancellationTokenSource stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CampaignJobs.RunLease / 3, stop.Token);
                if (!await jobs.RenewAsync(campaignId, slot, generation, stop.Token))
                {
                    logger.LogWarning("Campaign {Campaign} slot {Slot}: the lease was lost; this run stops before its next batch", campaignId, slot);
                    await stop.CancelAsync();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (NpgsqlException exception)
            {
                // The database is away: keep sending what can be sent; if the lease runs out meanwhile, the next renewal says so.
                logger.LogWarning(exception, "Campaign {Campaign} slot {Slot}: could not renew the lease", campaignId, slot);
            }
        }
    }
}

/// <summary>
/// Every 10 s: a sending slot whose run's lease ran out (its host was killed) is handed to a live host, so a campaign
/// goes on within a minute of a host's death. Apart from the maintenance job because it is cheap (the small runs table)
/// and the maintenance job's sweeps are not: run every 10 s they cost a 1M campaign about a tenth of its speed
/// (docs/benchmarks.md).
/// </summary>
internal sealed class ResumeSendingSlotsJob(CampaignJobs jobs) : IRecurringJob
{
    public const string Id = "campaigns.resume-sending-slots";

    public async Task<string> RunAsync(CancellationToken cancellationToken) =>
        $"{await jobs.ResumeExpiredAsync(cancellationToken)} sending slot(s) re-armed";
}

/// <summary>
/// Every 30 s: claims held by dead nodes become Unknown, submitted messages without a receipt past the timeout
/// become Expired, receipts that overtook their submit are applied, campaigns with nothing left are completed and
/// settled, slots of a sending campaign whose run died are re-armed, and imports whose job was lost are run again.
/// </summary>
internal sealed class CampaignMaintenanceJob(
    MessageStore store,
    CampaignsDataSource dataSource,
    CampaignJobs jobs,
    CampaignSettlement settlement,
    Features.Contacts.ImportJobs imports,
    IOptions<CampaignsOptions> options,
    TimeProvider clock,
    ILogger<CampaignMaintenanceJob> logger) : IRecurringJob
{
    public const string Id = "campaigns.maintenance";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (unknown, expired) = await store.SweepAsync(now - options.Value.ClaimLease, now - options.Value.ReceiptTimeout, now, cancellationToken);
        var applied = await store.ApplyPendingAsync(cancellationToken);

        var resumed = 0;
        var completed = 0;
        foreach (var (id, kind, status, scheduledAt, settled) in await ActiveAsync(cancellationToken))
        {
            if (CampaignLifecycle.Ended.Contains(status))
            {
                if (!settled)
                {
                    await settlement.SettleAsync(id, cancellationToken);
                }

                continue;
            }

            var remaining = await store.HasWorkAsync(id, cancellationToken);
            if (status == CampaignStatus.Sending && !remaining.Queued && !remaining.Claimed)
            {
                // Only recipients held for an A/B test's winner left (ADR 36): the winner job goes on with them.
                // A send-API lane campaign whose run is waiting for the next batch (ADR 40) is completed by that run.
                if (!remaining.Held && !(kind == CampaignKinds.Api && await jobs.HasRunsAsync(id, cancellationToken))
                    && await settlement.CompleteAsync(id, cancellationToken))
                {
                    completed++;
                }
            }
            else if (status == CampaignStatus.Sending || (scheduledAt is { } at && at <= now))
            {
                resumed += await jobs.ScheduleAsync(id, now, prepareNow: false, cancellationToken);
            }
        }

        var importsResumed = await imports.ResumeLostAsync(cancellationToken);
        var mappingsDropped = await imports.DropAbandonedMappingsAsync(cancellationToken);
        if (unknown + expired + applied + resumed + completed + importsResumed + mappingsDropped > 0)
        {
            logger.LogInformation("Campaign maintenance: {Unknown} unknown, {Expired} expired, {Applied} late receipts applied, {Resumed} sending slots re-armed, {Completed} completed, {Imports} imports resumed, {Dropped} unmapped uploads dropped",
                unknown, expired, applied, resumed, completed, importsResumed, mappingsDropped);
        }

        return $"{unknown} unknown, {expired} expired, {applied} receipts applied, {resumed} slots re-armed, {completed} completed, {importsResumed} imports resumed, {mappingsDropped} unmapped uploads dropped";
    }

    private async Task<List<(Guid Id, string Kind, string Status, DateTimeOffset? ScheduledAt, bool Settled)>> ActiveAsync(CancellationToken cancellationToken)
    {
        // The statuses as literals, not parameters: so the planner can use the partial index made for them (campaigns_active).
        await using var command = dataSource.Source.CreateCommand($"""
            SELECT id, kind, status, scheduled_at, settled_at IS NOT NULL FROM campaigns.campaigns
            WHERE status IN ({Sql.Literals(CampaignLifecycle.Running)}) OR (status IN ({Sql.Literals(CampaignLifecycle.Ended)}) AND settled_at IS NULL AND reserved_credits > 0)
            """);
        var result = new List<(Guid, string, string, DateTimeOffset?, bool)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4)));
        }

        return result;
    }
}
