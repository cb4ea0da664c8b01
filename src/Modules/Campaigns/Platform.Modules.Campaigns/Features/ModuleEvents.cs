using MediatR;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Campaigns.Contracts;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Jobs;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.SenderIds.Contracts;
using Platform.Modules.Shared.Events;

namespace Platform.Modules.Campaigns.Features;

/// <summary>Why a number is on a company's suppression list.</summary>
internal static class SuppressionReasons
{
    /// <summary>Opted out of the company's keyword subscription (on the web, or the event of a STOP).</summary>
    public const string OptedOut = "opted-out";

    /// <summary>Texted STOP to a platform number the company messaged it from.</summary>
    public const string StopSms = "stop-sms";

    /// <summary>Added by the company by hand (or by its suppression CSV).</summary>
    public const string Manual = "manual";

    /// <summary>The carrier said the number cannot be reached (a permanent failure).</summary>
    public const string Bounce = "bounce";

    /// <summary>The reasons a person's own opt-in (keyword, START) lifts: the ones the person put there.</summary>
    public static readonly string[] LiftedByOptIn = [OptedOut, StopSms];
}

/// <summary>
/// The order guard of consent events (they arrive at least once, and a retried one can arrive after a newer one): true
/// when this event is newer than the last one applied for that company and subscriber, which it then becomes.
/// </summary>
internal static class ConsentOrder
{
    public static Task<bool> IsNewestAsync(CampaignsDbContext db, Guid companyId, Guid subscriberId, long sequence, CancellationToken cancellationToken) =>
        sequence <= 0
            ? Task.FromResult(true)
            : EventPositions.TryAdvanceAsync(db, $"consent/{companyId}/{subscriberId}", sequence, cancellationToken);
}

/// <summary>
/// An opt-out (STOP, or on the web) suppresses the number for the company. Its queued messages are not searched for
/// (no phone index on a table of millions: 0.5–1 s at a million queued): the claim and the submit re-check every message
/// against the suppressions (<see cref="SuppressionRule"/>). Delivered from OptIns' outbox; an opt-out older than an
/// opt-in already applied changes nothing.
/// </summary>
internal sealed class SuppressOnOptOut(CampaignsDbContext db, TimeProvider clock) : INotificationHandler<SubscriberOptedOut>
{
    public async Task Handle(SubscriberOptedOut notification, CancellationToken cancellationToken)
    {
        if (!await ConsentOrder.IsNewestAsync(db, notification.CompanyId, notification.SubscriberId, notification.Sequence, cancellationToken))
        {
            return;
        }

        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO campaigns.suppressions AS s (company_id, phone, reason, created_at)
            VALUES ({notification.CompanyId}, {notification.Phone}, {SuppressionReasons.OptedOut}, {clock.GetUtcNow()})
            ON CONFLICT (company_id, phone) DO UPDATE SET reason = EXCLUDED.reason, platform_number = NULL, created_at = EXCLUDED.created_at
                WHERE s.reason = ANY ({Suppressions.SuppressionRules.LiftableByCompany})
            """, cancellationToken);
    }
}

/// <summary>
/// Opting back in (keyword, START, on the web) lifts the suppression the person's opt-out or STOP put there (not one the
/// company added by hand). An opt-in older than an opt-out already applied lifts nothing, and neither does one older than
/// the suppression: a STOP writes its suppression at once (StopMessagesTo), so the opt-in event of the keyword texted just
/// before it may be delivered after it.
/// </summary>
internal sealed class LiftSuppressionOnOptIn(CampaignsDbContext db) : INotificationHandler<SubscriberOptedIn>
{
    public async Task Handle(SubscriberOptedIn notification, CancellationToken cancellationToken)
    {
        if (!await ConsentOrder.IsNewestAsync(db, notification.CompanyId, notification.SubscriberId, notification.Sequence, cancellationToken))
        {
            return;
        }

        await db.Suppressions
            .Where(s => s.CompanyId == notification.CompanyId && s.Phone == notification.Phone && SuppressionReasons.LiftedByOptIn.Contains(s.Reason)
                        && s.CreatedAt <= notification.OccurredAt)
            .ExecuteDeleteAsync(cancellationToken);
    }
}

/// <summary>
/// A revoked Sender ID stops the campaigns that would use it: they need the company's attention, and each company's
/// campaign says so (<see cref="CampaignNeedsAttention"/>, in the handler's transaction).
/// </summary>
internal sealed class StopCampaignsOnRevokedSenderId(CampaignsDbContext db, CampaignJobs jobs, TimeProvider clock) : INotificationHandler<SenderIdRevoked>
{
    public async Task Handle(SenderIdRevoked notification, CancellationToken cancellationToken)
    {
        var revocable = CampaignLifecycle.From(CampaignStep.Revoke);
        var affected = await db.Campaigns
            .Where(c => c.CompanyId == notification.CompanyId && c.SenderId == notification.SenderId && revocable.Contains(c.Status))
            .ToListAsync(cancellationToken);
        foreach (var campaign in affected)
        {
            campaign.Status = CampaignLifecycle.Require(CampaignStep.Revoke, campaign.Status, CampaignStatus.NeedsAttention);
            campaign.AttentionReason = $"Sender ID {notification.SenderId} was revoked: {notification.Reason} Choose another Sender ID and schedule it again.";
            campaign.UpdatedAt = clock.GetUtcNow();
            if (campaign.Kind == CampaignKinds.Campaign)
            {
                await Outbox.AddAsync(db, new CampaignNeedsAttention(campaign.CompanyId, campaign.Id, campaign.Name, campaign.AttentionReason), cancellationToken);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var campaign in affected)
        {
            await jobs.UnscheduleAsync(campaign.Id, cancellationToken);
        }
    }
}

/// <summary>
/// A suspended company sends nothing more: its scheduled and sending campaigns and API requests are paused (the runs
/// stop before their next claim, as for a Pause on the page). Inbound STOP and HELP are not touched.
/// </summary>
internal sealed class PauseOnCompanySuspended(CampaignsDbContext db, CampaignJobs jobs, TimeProvider clock) : INotificationHandler<CompanySuspended>
{
    public async Task Handle(CompanySuspended notification, CancellationToken cancellationToken)
    {
        var pausable = CampaignLifecycle.From(CampaignStep.Pause);
        var affected = await db.Campaigns.Where(c => c.CompanyId == notification.CompanyId && pausable.Contains(c.Status)).ToListAsync(cancellationToken);
        foreach (var campaign in affected)
        {
            campaign.Status = CampaignLifecycle.Require(CampaignStep.Pause, campaign.Status, CampaignStatus.Paused);
            campaign.UpdatedAt = clock.GetUtcNow();
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var campaign in affected)
        {
            await jobs.UnscheduleAsync(campaign.Id, cancellationToken);
        }
    }
}

/// <summary>
/// A lifted suspension resumes the company's API requests (the developer has no page to resume them on); its campaigns
/// stay paused until an owner resumes them, so nothing goes out before someone has looked.
/// </summary>
internal sealed class ResumeApiSendsOnCompanyReinstated(CampaignsDbContext db, CampaignJobs jobs, TimeProvider clock) : INotificationHandler<CompanyReinstated>
{
    public async Task Handle(CompanyReinstated notification, CancellationToken cancellationToken)
    {
        var paused = await db.Campaigns
            .Where(c => c.CompanyId == notification.CompanyId && c.Kind == CampaignKinds.Api && c.Status == CampaignStatus.Paused)
            .ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        foreach (var campaign in paused)
        {
            campaign.Status = CampaignLifecycle.Require(CampaignStep.Resume, campaign.Status, CampaignLifecycle.ScheduleTarget(campaign.PreparedAt is not null, campaign.StartedAt is not null));
            campaign.UpdatedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var campaign in paused)
        {
            await jobs.ScheduleAsync(campaign.Id, now, prepareNow: campaign.PreparedAt is null, cancellationToken);
        }
    }
}
