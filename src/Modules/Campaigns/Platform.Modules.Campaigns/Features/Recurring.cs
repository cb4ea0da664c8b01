using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Jobs;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns.Features;

/// <summary>
/// Makes each recurring campaign's next occurrence a few minutes before it is due: a copy of the source campaign (text,
/// Sender ID, audience, quiet hours, link tracking) scheduled for the occurrence's time, then the recurrence moves on.
/// The copy and the move are one transaction and (recurrence, occurrence) is unique, so a repeated run makes nothing twice.
/// Its clock is the keyed <see cref="ClockKey"/> time provider (the system clock; tests set their own).
/// </summary>
internal sealed class RecurringCampaignsJob(
    CampaignsDbContext db, IMediator mediator, CampaignJobs jobs, [FromKeyedServices(RecurringCampaignsJob.ClockKey)] TimeProvider clock,
    ILogger<RecurringCampaignsJob> logger) : IRecurringJob
{
    public const string Id = "campaigns.recurring";
    public const string ClockKey = "campaigns.recurrence-clock";

    /// <summary>How long before its time an occurrence is made, so its audience is built and its credits reserved on time.</summary>
    public static readonly TimeSpan Lead = TimeSpan.FromMinutes(5);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var made = 0;
        var problems = 0;
        var due = await db.Recurrences.Where(r => r.EndedAt == null && r.NextAt != null && r.NextAt <= now + Lead)
            .OrderBy(r => r.NextAt).Select(r => r.Id).Take(500).ToListAsync(cancellationToken);
        foreach (var id in due)
        {
            db.ChangeTracker.Clear();
            var recurrence = await db.Recurrences.SingleAsync(r => r.Id == id, cancellationToken);
            var source = await db.Campaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == recurrence.SourceCampaignId, cancellationToken);
            if (source is null || recurrence.NextAt is not { } at)
            {
                continue;
            }

            var copy = Copy(source, recurrence, at, now);
            db.Campaigns.Add(copy);
            // An A/B test repeats as a test: each occurrence splits its own audience and decides its own winner (ADR 36).
            foreach (var variant in await db.CampaignVariants.AsNoTracking().Where(v => v.CampaignId == source.Id && v.CompanyId == source.CompanyId).ToListAsync(cancellationToken))
            {
                db.CampaignVariants.Add(new CampaignVariant { CampaignId = copy.Id, CompanyId = copy.CompanyId, Variant = variant.Variant, Body = variant.Body, Percent = variant.Percent });
            }

            Advance(recurrence, now);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                // This occurrence exists already (the unique (recurrence, occurrence) index): the series moves past it.
                db.ChangeTracker.Clear();
                var again = await db.Recurrences.SingleAsync(r => r.Id == id, cancellationToken);
                Advance(again, now);
                await db.SaveChangesAsync(cancellationToken);
                continue;
            }

            made++;
            try
            {
                await CampaignScheduling.ScheduleAsync(db, mediator, jobs, copy, now, cancellationToken);
            }
            catch (RequestValidationException e)
            {
                // The occurrence stays a draft the company can see and schedule by hand; the series goes on.
                problems++;
                await db.Recurrences.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.LastProblem,
                    $"{copy.Name} was not scheduled: {e.Message}"), cancellationToken);
                logger.LogWarning("Recurring campaign {Campaign}: occurrence {Occurrence} not scheduled: {Reason}", source.Id, copy.Occurrence, e.Message);
            }
        }

        return $"{made} recurring occurrences made, {problems} left as drafts";
    }

    private static Campaign Copy(Campaign source, CampaignRecurrence recurrence, DateTimeOffset at, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(recurrence.TimeZone));
        return new Campaign
        {
            Id = Guid.CreateVersion7(),
            CompanyId = source.CompanyId,
            Name = $"{source.Name} ({local:yyyy-MM-dd})",
            SenderId = source.SenderId,
            Body = source.Body,
            Status = CampaignStatus.Draft,
            IncludeSubscribers = source.IncludeSubscribers,
            ListIds = source.ListIds,
            SegmentId = source.SegmentId,
            TimeZone = source.TimeZone,
            ScheduledAt = at,
            QuietStart = source.QuietStart,
            QuietEnd = source.QuietEnd,
            RespectQuietHours = source.RespectQuietHours,
            TrackLinks = source.TrackLinks,
            AbTestPercent = source.AbTestPercent,
            AbMetric = source.AbMetric,
            AbWindowHours = source.AbWindowHours,
            AbSendRest = source.AbSendRest,
            RecurrenceId = recurrence.Id,
            Occurrence = recurrence.NextOccurrence,
            CreatedBy = source.CreatedBy,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public static void Advance(CampaignRecurrence recurrence, DateTimeOffset now)
    {
        recurrence.NextOccurrence++;
        recurrence.NextAt = recurrence.At(recurrence.NextOccurrence);
        if (recurrence.NextAt is null)
        {
            recurrence.EndedAt = now;
        }
    }
}

/// <summary>Stops a campaign's series: no occurrence is made after this; those already made stay as they are.</summary>
internal sealed record StopRepeating(Guid CampaignId) : IRequest<string>;

internal sealed class StopRepeatingHandler(CampaignsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<StopRepeating, string>
{
    public async Task<string> Handle(StopRepeating request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var recurrenceId = await db.Campaigns.Where(c => c.Id == request.CampaignId && c.CompanyId == companyId).Select(c => c.RecurrenceId).SingleOrDefaultAsync(cancellationToken);
        var stopped = recurrenceId is { } id
            ? await db.Recurrences.Where(r => r.Id == id && r.CompanyId == companyId && r.EndedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.EndedAt, clock.GetUtcNow()).SetProperty(r => r.NextAt, (DateTimeOffset?)null), cancellationToken)
            : 0;
        return stopped == 0 ? "This campaign does not repeat." : "It will not repeat any more. Occurrences already made stay as they are.";
    }
}
