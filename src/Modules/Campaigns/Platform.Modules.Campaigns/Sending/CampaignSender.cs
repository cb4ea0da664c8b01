using System.Buffers.Binary;
using System.Threading.Channels;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Campaigns.Contracts;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Sending;

/// <summary>The parts of a campaign a sending run needs, read once per run.</summary>
internal sealed record SendingCampaign(
    Guid Id, Guid CompanyId, string Kind, string Status, string SenderId, string Body, DateTimeOffset? ScheduledAt, DateTimeOffset? PreparedAt,
    bool RespectQuietHours, TimeOnly QuietStart, TimeOnly QuietEnd, string[] TimeZones, bool TrackLinks, string[] Variants)
{
    /// <summary>The body a message sends: its A/B test variant's (ADR 36), else the campaign's.</summary>
    public string BodyOf(short? variant) => variant is { } v && v < Variants.Length ? Variants[v] : Body;
}

/// <summary>
/// One sending run of a campaign (one Hangfire job, <see cref="Jobs.SendCampaignRun"/>): prepares it if needed, then keeps
/// several batches in flight — claim (SKIP LOCKED, so other nodes' runs take other batches), render, submit through the
/// carriers, record — until nothing is due, the campaign is paused or cancelled, the run is told to stop, or the run's
/// time slice is up. Returns when the campaign should run again (null: never — completed, stopped or waiting for its
/// scheduled time).
/// </summary>
internal sealed class CampaignSender(
    CampaignsDataSource dataSource,
    MessageStore store,
    CampaignPreparation preparation,
    CampaignSettlement settlement,
    OptOutRoute route,
    Features.Links.TrackedLinks links,
    LaneCampaigns lanes,
    IServiceScopeFactory scopes,
    IOptions<CampaignsOptions> options,
    TimeProvider clock,
    ILogger<CampaignSender> logger)
{
    /// <summary>Prepares a campaign scheduled for later (audience, prices, credits) ahead of its time; nothing when it is prepared or not scheduled.</summary>
    public async Task<string> PrepareEarlyAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        var campaign = await LoadAsync(campaignId, cancellationToken);
        if (campaign is not { Status: CampaignStatus.Scheduled, PreparedAt: null })
        {
            return "Nothing to prepare";
        }

        var result = await preparation.PrepareAsync(campaignId, cancellationToken);
        return result.Ready ? "Prepared" : $"Not ready: {result.Problem}";
    }

    /// <summary>
    /// <paramref name="stop"/> is checked between batches only: a batch handed to the carriers is always recorded, so
    /// stopping (host shutdown, lost lease) never leaves a claimed batch behind to turn Unknown.
    /// </summary>
    public async Task<DateTimeOffset?> RunAsync(Guid campaignId, CancellationToken stop)
    {
        var cancellationToken = CancellationToken.None;
        var campaign = await LoadAsync(campaignId, stop);
        if (campaign is null)
        {
            return null;
        }

        if (campaign.Status == CampaignStatus.Scheduled)
        {
            if (campaign.PreparedAt is null && !(await preparation.PrepareAsync(campaignId, cancellationToken)).Ready)
            {
                return null;
            }

            if (campaign.ScheduledAt is { } at && at > clock.GetUtcNow())
            {
                return null; // prepared early; the trigger at the scheduled time starts the sending
            }

            await StartSendingAsync(campaignId, cancellationToken);
            campaign = await LoadAsync(campaignId, cancellationToken);
        }

        if (campaign is null || campaign.Status != CampaignStatus.Sending)
        {
            return null;
        }

        // Receipts for what this run submits look as far back as its messages go, from the first claim on (ADR 37).
        await store.AwaitReceiptsAsync(campaignId, cancellationToken);
        var settings = options.Value;
        var deadline = clock.GetUtcNow() + settings.RunSlice;
        // The recipients' zones were noted when the audience was built (older campaigns: read from the queue).
        var zones = campaign.TimeZones.Length > 0 || !campaign.RespectQuietHours ? campaign.TimeZones : await store.QueuedZonesAsync(campaignId, cancellationToken);
        var cursor = new ClaimCursor();
        var held = new HeldClaims();
        // The text is worked out once for the run; each message then only gets its codes and values written in. An A/B
        // test's bodies each (ADR 36), by variant: A is the campaign's body.
        var text = (campaign.Variants.Length > 0 ? campaign.Variants : [campaign.Body])
            .Select(body => new CampaignText(body, campaign.TrackLinks, campaign.SenderId, links, route)).ToArray();
        int handled;
        using (var refreshing = new CancellationTokenSource())
        {
            var refresher = KeepClaimsFreshAsync(campaign, held, refreshing.Token);
            var workers = Enumerable.Range(0, Math.Max(1, settings.Workers))
                .Select(_ => WorkAsync(campaign, text, zones, cursor, held, deadline, stop))
                .ToList();
            try
            {
                handled = (await Task.WhenAll(workers)).Sum();
            }
            finally
            {
                await refreshing.CancelAsync();
                await refresher;
            }
        }

        logger.LogInformation("Campaign {Campaign}: this run handed {Count} messages to the carriers", campaignId, handled);

        var now = clock.GetUtcNow();
        var remaining = await store.RemainingAsync(campaignId, now, cancellationToken);
        if (!remaining.Queued && !remaining.Claimed)
        {
            // Recipients held for an A/B test's winner (ADR 36): nothing for a run until the winner job queues them and
            // schedules the sending again; the campaign is not complete.
            if (!remaining.Held && !await settlement.CompleteAsync(campaignId, cancellationToken))
            {
                return clock.GetUtcNow(); // a send-API batch was appended since (ADR 40): send it
            }

            return null;
        }

        if (!remaining.Queued)
        {
            return now.AddSeconds(5); // other runs hold the last batches; look again shortly
        }

        if (await StatusAsync(campaignId, cancellationToken) != CampaignStatus.Sending)
        {
            return null;
        }

        // Due work left (the slice ended): go on at once. Otherwise wait for the first message due or window opening.
        var next = remaining.NextDue is { } due && due > now ? due : now;
        if (campaign.RespectQuietHours && zones.Length > 0)
        {
            var opening = zones.Min(z => QuietHours.NextOpening(next, z, campaign.QuietStart, campaign.QuietEnd));
            next = opening > next ? opening : next;
        }

        return next;
    }

    /// <summary>Every third of the claim lease, the claims this run holds are marked fresh (see <see cref="MessageStore.RefreshClaimsAsync"/>).</summary>
    private async Task KeepClaimsFreshAsync(SendingCampaign campaign, HeldClaims held, CancellationToken cancellationToken)
    {
        var period = options.Value.ClaimLease / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, clock, cancellationToken);
                var ids = held.Snapshot();
                if (ids.Length > 0)
                {
                    await store.RefreshClaimsAsync(ids, clock.GetUtcNow(), cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception exception) when (TransientDatabaseFaults.IsTransient(exception))
            {
                // The next period tries again; a database away for longer than the lease ends these claims Unknown, as designed.
                logger.LogWarning("Campaign {Campaign}: could not refresh the claims in flight ({Error})", campaign.Id, exception.Message);
            }
        }
    }

    /// <summary>
    /// One worker: three stages that overlap, so the carrier has the next batch while the last one is being recorded
    /// (issue #16: one after the other, the carrier sat idle through five statements per batch). Claiming checks the
    /// status, claims, notes who is being messaged and renders; submitting hands the batch to the carriers; recording
    /// notes the contacts and stores the answers. Each hands over through a channel one batch deep. Only claiming stops
    /// (between batches): a claimed batch is always submitted, and a submitted one always recorded.
    /// Claiming waits until the submitting stage has taken the last batch before it claims the next, so at most one batch
    /// per worker is claimed and not yet at the carriers: a host killed then leaves that one batch to turn Unknown
    /// without having been sent (one claim ahead is what keeps the carrier busy; two would only add to that).
    /// </summary>
    private async Task<int> WorkAsync(SendingCampaign campaign, CampaignText[] text, string[] zones, ClaimCursor cursor, HeldClaims held, DateTimeOffset deadline, CancellationToken stop)
    {
        var claimedBatches = Channel.CreateBounded<ClaimedBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var answeredBatches = Channel.CreateBounded<AnsweredBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        // Set when recording gives up (the database was away for longer than the claim lease): no further claims.
        using var recordingFailed = new CancellationTokenSource();
        using var claimingStops = CancellationTokenSource.CreateLinkedTokenSource(stop, recordingFailed.Token);
        using var taken = new SemaphoreSlim(1);

        var claiming = ClaimStageAsync(campaign, text, zones, cursor, held, deadline, taken, claimedBatches.Writer, claimingStops.Token);
        var submitting = SubmitStageAsync(campaign, claimedBatches.Reader, taken, answeredBatches.Writer);
        var recording = RecordStageAsync(campaign, held, answeredBatches.Reader, recordingFailed);
        await Task.WhenAll(claiming, submitting, recording);
        return await recording;
    }

    private async Task ClaimStageAsync(SendingCampaign campaign, CampaignText[] text, string[] zones, ClaimCursor cursor, HeldClaims held, DateTimeOffset deadline,
        SemaphoreSlim taken, ChannelWriter<ClaimedBatch> claimedBatches, CancellationToken stop)
    {
        var settings = options.Value;
        var cancellationToken = CancellationToken.None;
        var lastClaim = clock.GetUtcNow();
        using var lane = campaign.Kind == CampaignKinds.Api ? lanes.Join(campaign.Id) : null;
        try
        {
            while (!stop.IsCancellationRequested && clock.GetUtcNow() < deadline)
            {
                // The last batch is at the carriers (or there was none): claim the next one while it is sent.
                await taken.WaitAsync(CancellationToken.None);
                // Pause, cancel and revocation take effect before the next batch.
                if (await RideOutAsync(token => StatusAsync(campaign.Id, token), campaign, "reading its status", cancellationToken) != CampaignStatus.Sending)
                {
                    return;
                }

                var now = clock.GetUtcNow();
                string[]? open = null;
                if (campaign.RespectQuietHours)
                {
                    open = zones.Where(z => QuietHours.IsOpen(now, z, campaign.QuietStart, campaign.QuietEnd)).ToArray();
                    if (open.Length == 0)
                    {
                        return;
                    }
                }

                var after = cursor.Position;
                // A claim whose commit happened but whose answer was lost is no worse retried than failing the run: either
                // way those claims are left to the maintenance job (Unknown after the lease).
                var claimed = await RideOutAsync(token => store.ClaimAsync(campaign.Id, campaign.CompanyId, after, open, settings.BatchSize, now, token),
                    campaign, "claiming a batch", cancellationToken);
                if (claimed.Count == 0)
                {
                    if (after != 0)
                    {
                        // The end of the queue: go round once more from the start for retries that fell due meanwhile.
                        cursor.Restart(after);
                        taken.Release();
                        continue;
                    }

                    if (campaign.Kind != CampaignKinds.Api || clock.GetUtcNow() >= lastClaim + settings.ApiLaneLinger)
                    {
                        return;
                    }

                    // A send-API lane's campaign (ADR 40): the next batch of requests is appended while this run waits.
                    zones = await WaitForBatchAsync(lane!, campaign, zones, stop);
                    taken.Release();
                    continue;
                }

                lastClaim = clock.GetUtcNow();
                cursor.Advance(claimed.Max(m => m.Id));
                var heldIds = held.Add(claimed);
                // From here the batch goes all the way through: written to the channel without a token (the submitting
                // stage always reads on).
                await claimedBatches.WriteAsync(await PrepareAsync(campaign, text, claimed, heldIds, cancellationToken), CancellationToken.None);
                if (lane is not null && claimed.Count < settings.BatchSize)
                {
                    // The lane's queue is drained: the next claim comes after the next batch is appended (claiming at once
                    // finds nothing: two more empty claims per batch). It starts from the first message, so retries that
                    // fell due are sent with it.
                    cursor.Restart(cursor.Position);
                    zones = await WaitForBatchAsync(lane, campaign, zones, stop);
                }
            }
        }
        finally
        {
            claimedBatches.Complete();
        }
    }

    /// <summary>Waits for the lane campaign's next batch; a marketing lane's time zones are read again, as the batch may add some.</summary>
    private async Task<string[]> WaitForBatchAsync(LaneWaiter lane, SendingCampaign campaign, string[] zones, CancellationToken stop)
    {
        await lane.WaitAsync(stop);
        return campaign.RespectQuietHours
            ? await RideOutAsync(token => ZonesAsync(campaign.Id, token), campaign, "reading its time zones", CancellationToken.None)
            : zones;
    }

    /// <summary>
    /// Who-messaged-whom is noted before the carrier has the messages, so a STOP sent back at once finds this company;
    /// and a number suppressed since the claim (a STOP that arrived meanwhile) is not sent.
    /// </summary>
    private async Task<ClaimedBatch> PrepareAsync(SendingCampaign campaign, CampaignText[] text, IReadOnlyList<ClaimedMessage> claimed, long[] heldIds, CancellationToken cancellationToken)
    {
        var claimedCount = claimed.Count;
        var replyNumber = route.ReplyNumber(campaign.SenderId);
        var stopped = await RideOutAsync(token => store.PrepareSubmitAsync(campaign.Id, campaign.CompanyId, replyNumber, claimed, clock.GetUtcNow(), token),
            campaign, "noting the batch's recipients", cancellationToken);
        if (stopped.Count > 0)
        {
            claimed = claimed.Where(m => !stopped.Contains(m.Id)).ToList();
        }

        // API messages were stored as sent; a campaign's text is rendered per recipient, with the opt-out route.
        var texts = new List<string>(claimed.Count);
        foreach (var message in claimed)
        {
            texts.Add(message.Body ?? text[message.Variant is { } v && v < text.Length ? v : 0].For(message.Id, message.FirstName, message.Fields));
        }

        return new ClaimedBatch(claimed, texts, replyNumber, heldIds, claimedCount);
    }

    private async Task SubmitStageAsync(SendingCampaign campaign, ChannelReader<ClaimedBatch> claimedBatches, SemaphoreSlim taken, ChannelWriter<AnsweredBatch> answeredBatches)
    {
        try
        {
            await foreach (var batch in claimedBatches.ReadAllAsync(CancellationToken.None))
            {
                taken.Release();
                await answeredBatches.WriteAsync(new AnsweredBatch(batch, await SubmitAsync(campaign, batch)), CancellationToken.None);
            }
        }
        finally
        {
            answeredBatches.Complete();
        }
    }

    private async Task<IReadOnlyList<SendSmsResult>> SubmitAsync(SendingCampaign campaign, ClaimedBatch batch)
    {
        if (batch.Messages.Count == 0)
        {
            return [];
        }

        var outgoing = batch.Messages.Select((m, i) => new OutgoingSms(MessageGuid(m.Id), campaign.SenderId, m.Phone, batch.Texts[i])).ToList();
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SendSmsBatch(outgoing), CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Campaign {Campaign}: a batch of {Count} could not be handed to the carriers", campaign.Id, outgoing.Count);
            return outgoing.Select(_ => new SendSmsResult(false, null, null, exception.Message, Retryable: true)).ToList();
        }
    }

    /// <summary>
    /// Reads every answered batch to the end, even after a failure (the submitting stage must never block on it): a batch
    /// that could not be recorded stays claimed and the maintenance sweep makes it Unknown after the lease, as before.
    /// Returns the messages handled; rethrows the first failure once the pipeline has drained.
    /// </summary>
    private async Task<int> RecordStageAsync(SendingCampaign campaign, HeldClaims held, ChannelReader<AnsweredBatch> answeredBatches, CancellationTokenSource failed)
    {
        var handled = 0;
        Exception? failure = null;
        await foreach (var answered in answeredBatches.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (failure is null)
                {
                    await RecordAsync(campaign, answered.Batch, answered.Results);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                failure = exception;
                await failed.CancelAsync();
            }
            finally
            {
                held.Remove(answered.Batch.HeldIds);
            }

            handled += answered.Batch.Claimed;
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return handled;
    }

    private async Task RecordAsync(SendingCampaign campaign, ClaimedBatch batch, IReadOnlyList<SendSmsResult> results)
    {
        var settings = options.Value;
        var claimed = batch.Messages;
        if (claimed.Count == 0)
        {
            return;
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            // So a bare HELP or START sent back to this number is attributed to this company (see docs/optins.md).
            var contact = new RecordCompanyContact(campaign.CompanyId, batch.ReplyNumber, claimed.Select(m => m.Phone).ToList(), clock.GetUtcNow());
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            await RideOutAsync(token => mediator.Send(contact, token), campaign, "noting who messaged whom", CancellationToken.None);
        }

        var now = clock.GetUtcNow();
        var outcomes = new List<SubmitOutcomeRow>(claimed.Count);
        for (var i = 0; i < claimed.Count; i++)
        {
            var message = claimed[i];
            var result = results[i];
            var segments = (short)Math.Min(MessageTemplate.Segments(batch.Texts[i]), short.MaxValue);
            if (result.Accepted)
            {
                outcomes.Add(new SubmitOutcomeRow(message.Id, MessageState.Submitted, result.CarrierInstance, result.CarrierMessageId, null, segments, null));
            }
            else if (result.OutcomeUnknown)
            {
                // The carrier may have it (its answer was lost): final and never requeued, the same state the maintenance
                // sweep gives a claim whose node died, and paid for like one (see CampaignSettlement).
                outcomes.Add(new SubmitOutcomeRow(message.Id, MessageState.Unknown, result.CarrierInstance, null, Truncate(result.Error ?? UnknownError), segments, null));
            }
            else if (result.Retryable && message.Attempts < settings.MaxAttempts)
            {
                // Back-off: 5 s, 10 s, 20 s, … (by default) so a carrier that is down is not hammered.
                var retryAt = now + settings.RetryBackoff * Math.Pow(2, message.Attempts - 1);
                outcomes.Add(new SubmitOutcomeRow(message.Id, MessageState.Queued, result.CarrierInstance, null, Truncate(result.Error), segments, retryAt));
            }
            else
            {
                outcomes.Add(new SubmitOutcomeRow(message.Id, MessageState.Failed, result.CarrierInstance, null, Truncate(result.Error ?? "Refused by the carrier."), segments, null));
            }
        }

        // Recorded even when the run is being cancelled: the carrier has these messages now.
        await RideOutAsync(token => store.RecordAsync(outcomes, now, token), campaign, "recording the carriers' answers", CancellationToken.None);
    }

    /// <summary>A claimed batch, noted and rendered (without the numbers stopped since the claim), on its way to the carriers.</summary>
    private sealed record ClaimedBatch(IReadOnlyList<ClaimedMessage> Messages, List<string> Texts, string ReplyNumber, long[] HeldIds, int Claimed);

    private sealed record AnsweredBatch(ClaimedBatch Batch, IReadOnlyList<SendSmsResult> Results);

    /// <summary>
    /// A database restart or stall while a run sends (between batches, or between claiming a batch and recording its
    /// outcomes) is waited out, up to the claim lease (after it the maintenance job turns the claims Unknown anyway),
    /// instead of failing the run: the carriers' answers exist only in this process, a lost answer costs an Unknown
    /// message (paid, never resent), and a failed run's slot is re-armed only when its lease runs out. Each step is
    /// safe to repeat: recording touches only messages still claimed, and suppressing answers what it suppressed before.
    /// </summary>
    private Task<T> RideOutAsync<T>(Func<CancellationToken, Task<T>> step, SendingCampaign campaign, string what, CancellationToken cancellationToken) =>
        TransientDatabaseFaults.RetryAsync(dataSource.Source, step, options.Value.ClaimLease, logger, $"Campaign {campaign.Id}: {what}", cancellationToken);

    private Task RideOutAsync(Func<CancellationToken, Task> step, SendingCampaign campaign, string what, CancellationToken cancellationToken) =>
        TransientDatabaseFaults.RetryAsync(dataSource.Source, step, options.Value.ClaimLease, logger, $"Campaign {campaign.Id}: {what}", cancellationToken);

    /// <summary>The carriers take a Guid per message (for their logs); ours is the message's bigint id inside one.</summary>
    internal static Guid MessageGuid(long id)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], id);
        return new Guid(bytes, bigEndian: true);
    }

    private const string UnknownError = "The carrier's answer was lost after the message was sent; not resent.";

    private static string? Truncate(string? value) => value is { Length: > 500 } ? value[..500] : value;

    private Task StartSendingAsync(Guid campaignId, CancellationToken cancellationToken) =>
        dataSource.Source.ExecuteAsync(
            "UPDATE campaigns.campaigns SET status = @to, started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = @id AND status = ANY (@from)",
            cancellationToken, ("id", campaignId), ("to", CampaignLifecycle.To(CampaignStep.Start)), ("from", CampaignLifecycle.From(CampaignStep.Start)));

    private Task<string[]> ZonesAsync(Guid campaignId, CancellationToken cancellationToken) =>
        dataSource.Source.ScalarAsync<string[]>("SELECT time_zones FROM campaigns.campaigns WHERE id = @id", cancellationToken, ("id", campaignId));

    private Task<string?> StatusAsync(Guid campaignId, CancellationToken cancellationToken) =>
        dataSource.Source.ScalarAsync<string?>("SELECT status FROM campaigns.campaigns WHERE id = @id", cancellationToken, ("id", campaignId));

    private async Task<SendingCampaign?> LoadAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("""
            SELECT company_id, status, sender_id, body, scheduled_at, prepared_at, respect_quiet_hours, quiet_start, quiet_end, time_zones, track_links,
                   ARRAY(SELECT v.body FROM campaigns.campaign_variants v WHERE v.campaign_id = c.id ORDER BY v.variant), kind
            FROM campaigns.campaigns c WHERE id = @id
            """);
        command.Parameters.AddWithValue("id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new SendingCampaign(
            campaignId, reader.GetGuid(0), reader.GetString(12), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.GetBoolean(6), reader.GetFieldValue<TimeOnly>(7), reader.GetFieldValue<TimeOnly>(8), reader.GetFieldValue<string[]>(9), reader.GetBoolean(10),
            reader.GetFieldValue<string[]>(11));
    }
}

/// <summary>The batches a run's workers have claimed and not recorded yet.</summary>
internal sealed class HeldClaims
{
    private readonly HashSet<long[]> batches = new(ReferenceEqualityComparer.Instance);

    public long[] Add(IReadOnlyList<ClaimedMessage> claimed)
    {
        var ids = claimed.Select(m => m.Id).ToArray();
        lock (batches)
        {
            batches.Add(ids);
        }

        return ids;
    }

    public void Remove(long[] ids)
    {
        lock (batches)
        {
            batches.Remove(ids);
        }
    }

    public long[] Snapshot()
    {
        lock (batches)
        {
            return batches.SelectMany(b => b).ToArray();
        }
    }
}

/// <summary>Where a run's claims have got to in the campaign's queue (shared by its workers).</summary>
internal sealed class ClaimCursor
{
    private long position;

    public long Position => Interlocked.Read(ref position);

    public void Advance(long id)
    {
        var current = Interlocked.Read(ref position);
        while (id > current)
        {
            var seen = Interlocked.CompareExchange(ref position, id, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Back to the start, unless another worker has moved the cursor on since <paramref name="from"/> was read.</summary>
    public void Restart(long from) => Interlocked.CompareExchange(ref position, 0, from);
}

/// <summary>
/// Turns a finished campaign's reservation into spending: what was submitted (and what may have been: Unknown) at
/// the price quoted per country, captured once (idempotent key), and the rest released. Runs again harmlessly.
/// </summary>
internal sealed class CampaignSettlement(CampaignsDataSource dataSource, IServiceScopeFactory scopes, ILogger<CampaignSettlement> logger)
{
    /// <summary>
    /// Marks a sending campaign with nothing left to submit Completed (once, whichever run gets there first) and settles
    /// it. A company's campaign announces it (<see cref="CampaignFinished"/>) in the same transaction. False, and nothing
    /// done, when messages are queued or being submitted after all.
    /// </summary>
    public async Task<bool> CompleteAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // Under the campaign's row lock, which a send-API batch appended to a lane campaign holds until it commits
            // (ADR 40), nothing is queued or being submitted: what the callers saw before still holds. Two statements:
            // the second's snapshot is taken after the lock was granted, so it sees a batch committed while it waited.
            await connection.ExecuteAsync("SELECT 1 FROM campaigns.campaigns WHERE id = @id FOR UPDATE", cancellationToken, ("id", campaignId));
            if (await MessageStore.HasWorkAsync(connection, campaignId, cancellationToken) is { Queued: true } or { Claimed: true })
            {
                return false;
            }

            CampaignFinished? finished = null;
            string? kind = null;
            await using (var command = new NpgsqlCommand("""
                UPDATE campaigns.campaigns SET status = @to, completed_at = now(), updated_at = now() WHERE id = @id AND status = ANY (@from)
                RETURNING kind, company_id, name, targeted, suppressed, submitted, delivered, failed, expired, unknown
                """, connection))
            {
                command.Parameters.AddWithValue("id", campaignId);
                command.Parameters.AddWithValue("to", CampaignLifecycle.To(CampaignStep.Complete));
                command.Parameters.AddWithValue("from", CampaignLifecycle.From(CampaignStep.Complete));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    kind = reader.GetString(0);
                    finished = new CampaignFinished(reader.GetGuid(1), campaignId, reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
                        reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetInt32(8), reader.GetInt32(9));
                }
            }

            if (finished is not null && kind == CampaignKinds.Campaign)
            {
                await CampaignsOutbox.AddAsync(connection, finished, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            if (finished is not null)
            {
                logger.LogInformation("Campaign {Campaign} completed", campaignId);
            }
        }

        await SettleAsync(campaignId, cancellationToken);
        return true;
    }

    public async Task SettleAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
        // The row lock makes concurrent settlements (a sending run and the maintenance job) take turns; the second
        // finds it settled. Capture and release are idempotent in Billing as well.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Guid companyId;
        long reserved;
        await using (var command = new NpgsqlCommand(
            "SELECT company_id, reserved_credits FROM campaigns.campaigns WHERE id = @id AND settled_at IS NULL AND status = ANY (@ended) FOR UPDATE", connection, transaction))
        {
            command.Parameters.AddWithValue("id", campaignId);
            command.Parameters.AddWithValue("ended", CampaignLifecycle.Ended.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return;
            }

            companyId = reader.GetGuid(0);
            reserved = reader.GetInt64(1);
        }

        long spent;
        // Submitted, or Unknown (the carrier may have it): both are paid for.
        await using (var command = new NpgsqlCommand($"""
            SELECT COALESCE(sum(GREATEST(m.segments, 1) * p.credits_per_segment), 0)::bigint
            FROM campaigns.messages m JOIN campaigns.campaign_prices p ON p.campaign_id = m.campaign_id AND p.country = m.country
            WHERE m.campaign_id = @id AND m.id >= {MessagePartitions.CampaignFloor("@id")} AND (m.submitted_at IS NOT NULL OR m.state = {MessageStateSql.Unknown})
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("id", campaignId);
            spent = Math.Min((long)(await command.ExecuteScalarAsync(cancellationToken))!, reserved);
        }

        if (reserved > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            if (spent > 0)
            {
                await mediator.Send(new CaptureCredits(companyId, campaignId, spent, "campaign-final"), cancellationToken);
            }

            await mediator.Send(new ReleaseCredits(companyId, campaignId), cancellationToken);
        }

        await using (var command = new NpgsqlCommand(
            "UPDATE campaigns.campaigns SET spent_credits = @spent, settled_at = now(), updated_at = now() WHERE id = @id", connection, transaction))
        {
            command.Parameters.AddWithValue("id", campaignId);
            command.Parameters.AddWithValue("spent", spent);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Campaign {Campaign} settled: {Spent} of {Reserved} reserved credits spent", campaignId, spent, reserved);
    }
}
