using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Campaigns.Jobs;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.SenderIds.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features;

/// <summary>
/// A campaign as the company writes it. <see cref="SendAt"/> is a wall-clock time in <see cref="TimeZone"/> (empty: now).
/// With <see cref="Schedule"/> false it is saved as a draft.
/// </summary>
internal sealed record SaveCampaign : IRequest<Guid>
{
    public Guid? Id { get; init; }

    [Required(ErrorMessage = "Give the campaign a name.")]
    [StringLength(100, ErrorMessage = "The name can have at most 100 characters.")]
    public string Name { get; init; } = string.Empty;

    [Required(ErrorMessage = "Choose a Sender ID.")]
    public string SenderId { get; init; } = string.Empty;

    [Required(ErrorMessage = MessageTemplate.Missing)]
    [StringLength(MessageTemplate.MaxLength, ErrorMessage = MessageTemplate.TooLong)]
    public string Body { get; init; } = string.Empty;

    public bool IncludeSubscribers { get; init; }

    public IReadOnlyList<Guid> ListIds { get; init; } = [];

    /// <summary>A saved segment as the audience (ADR 35), in place of the subscribers and lists.</summary>
    public Guid? SegmentId { get; init; }

    [Required(ErrorMessage = "Choose the time zone of the schedule.")]
    public string TimeZone { get; init; } = "UTC";

    public DateTime? SendAt { get; init; }

    public bool RespectQuietHours { get; init; } = true;

    public bool TrackLinks { get; init; }

    /// <summary><see cref="RepeatFrequency"/>: none, daily, weekly or monthly (ADR 34).</summary>
    public string Repeat { get; init; } = RepeatFrequency.None;

    /// <summary>The last day an occurrence may fall on, in the campaign's time zone; none: until stopped.</summary>
    public DateOnly? RepeatUntil { get; init; }

    public TimeOnly QuietStart { get; init; } = new(8, 0);

    public TimeOnly QuietEnd { get; init; } = new(21, 0);

    public bool Schedule { get; init; }

    /// <summary>An A/B test (ADR 36): <see cref="Body"/> is variant A, <see cref="AbBodies"/> B, C, … (empty ones ignored).</summary>
    public bool AbTest { get; init; }

    public IReadOnlyList<string?> AbBodies { get; init; } = [];

    /// <summary>Each variant's share of the test (A first), in percent; they add up to 100.</summary>
    public IReadOnlyList<short> AbPercents { get; init; } = [];

    /// <summary>The share of the audience in the test; 100 splits everyone and holds no one.</summary>
    public short AbTestPercent { get; init; } = 20;

    public string AbMetric { get; init; } = AbMetrics.Delivered;

    public short AbWindowHours { get; init; } = 4;

    public bool AbSendRest { get; init; } = true;

    /// <summary>Every body of the test, A first (only the written ones).</summary>
    public IReadOnlyList<string> Variants => AbTest ? [Body, .. AbBodies.Where(b => !string.IsNullOrWhiteSpace(b)).Select(b => b!)] : [Body];
}

internal sealed class SaveCampaignValidator : IRequestValidator<SaveCampaign>
{
    public IEnumerable<ValidationError> Validate(SaveCampaign request)
    {
        if (request.SegmentId is not null && (request.IncludeSubscribers || request.ListIds.Count > 0))
        {
            yield return new ValidationError(nameof(request.ListIds), "Choose a segment, or subscribers and lists, not both: a segment already says who it starts from.");
        }
        else if (request.SegmentId is null && !request.IncludeSubscribers && request.ListIds.Count == 0)
        {
            yield return new ValidationError(nameof(request.ListIds), "Choose who receives it: your opted-in subscribers, one or more lists, both, or a segment.");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(request.TimeZone ?? string.Empty, out _))
        {
            yield return new ValidationError(nameof(request.TimeZone), "Choose a time zone from the list (for example Europe/London).");
        }

        if (request.RespectQuietHours && request.QuietStart >= request.QuietEnd)
        {
            yield return new ValidationError(nameof(request.QuietStart), "The sending window must start before it ends (for example 08:00 to 21:00).");
        }

        if (RepeatFrequency.Choices.All(c => c.Value != request.Repeat))
        {
            yield return new ValidationError(nameof(request.Repeat), "Choose how often it repeats from the list.");
        }
        else if (RepeatFrequency.IsRepeating(request.Repeat))
        {
            if (request.SendAt is not { } first)
            {
                yield return new ValidationError(nameof(request.SendAt), "A repeating campaign needs the time of its first send: it repeats at that time.");
            }
            else if (request.RepeatUntil is { } until && until < DateOnly.FromDateTime(first))
            {
                yield return new ValidationError(nameof(request.RepeatUntil), "The repeats must end on or after the day of the first send.");
            }

            if (!request.Schedule)
            {
                yield return new ValidationError(nameof(request.Repeat), "A repeating campaign starts when you schedule it: press Schedule, or choose \"Does not repeat\" to save a draft.");
            }
        }

        if (request.AbTest)
        {
            foreach (var error in AbTestErrors(request))
            {
                yield return new ValidationError(nameof(request.AbTest), error);
            }
        }
    }

    /// <summary>What is wrong with the A/B test's settings, each said so the marketer knows what to change.</summary>
    private static IEnumerable<string> AbTestErrors(SaveCampaign request)
    {
        var variants = request.Variants;
        if (variants.Count < AbSplit.MinVariants)
        {
            yield return "An A/B test needs at least two bodies: write Variant B, or untick the A/B test.";
        }
        else if (variants.Count > AbSplit.MaxVariants)
        {
            yield return $"An A/B test can have at most {AbSplit.MaxVariants} bodies (A to E).";
        }

        for (var i = 1; i < variants.Count; i++)
        {
            if (variants[i].Length > MessageTemplate.MaxLength)
            {
                yield return $"Variant {CampaignVariant.Letter(i)}: {MessageTemplate.TooLong}";
            }
        }

        var percents = request.AbPercents.Take(variants.Count).ToList();
        if (percents.Count < variants.Count || percents.Any(p => p is < 1 or > 99))
        {
            yield return "Give every variant a split between 1% and 99%.";
        }
        else if (percents.Sum(p => p) != 100)
        {
            yield return $"The variants' splits must add up to 100% (now {percents.Sum(p => p)}%).";
        }

        if (request.AbTestPercent is < 1 or > 100)
        {
            yield return "The test's share of the audience must be between 1% and 100% (100%: everyone is in the test, no one waits for the winner).";
        }

        if (request.AbWindowHours is < AbSplit.MinWindowHours or > AbSplit.MaxWindowHours)
        {
            yield return $"Decide the winner between {AbSplit.MinWindowHours} and {AbSplit.MaxWindowHours} hours after sending.";
        }

        if (AbMetrics.Choices.All(c => c.Value != request.AbMetric))
        {
            yield return "Choose how the winner is picked: by delivery rate or by click rate.";
        }
        else if (request.AbMetric == AbMetrics.Clicks && !request.TrackLinks)
        {
            yield return "A winner by clicks needs \"Shorten links and count clicks per recipient\" ticked: without it no click is counted.";
        }
        else if (request.AbMetric == AbMetrics.Clicks && variants.All(v => Links.TrackedLinks.Find(v).Count == 0))
        {
            yield return "A winner by clicks needs a link (http:// or https://) in the bodies: without one no click is counted.";
        }
    }
}

internal sealed class SaveCampaignHandler(
    CampaignsDbContext db, ITenantContext tenant, IMediator mediator, CampaignJobs jobs, TimeProvider clock) : IRequestHandler<SaveCampaign, Guid>
{
    public async Task<Guid> Handle(SaveCampaign request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var now = clock.GetUtcNow();
        if (request.Schedule)
        {
            // Refused before the draft is saved, so a refused "Send" changes nothing.
            await CampaignScheduling.RequireMaySpendAsync(mediator, companyId, cancellationToken);
        }

        await db.RequireKnownPlaceholdersAsync(companyId, request.Body, nameof(request.Body), cancellationToken);
        await RequireKnownPlaceholdersInVariantsAsync(companyId, request, cancellationToken);
        var usable = await mediator.Send(new ListUsableSenderIds(companyId), cancellationToken);
        if (!usable.Any(s => string.Equals(s.SenderId, request.SenderId, StringComparison.Ordinal)))
        {
            throw new RequestValidationException(nameof(request.SenderId), $"{request.SenderId} is not an approved Sender ID of your company. Apply for it under Sender IDs first.");
        }

        var listIds = request.ListIds.Distinct().ToArray();
        var owned = await db.ContactLists.CountAsync(l => l.CompanyId == companyId && listIds.Contains(l.Id), cancellationToken);
        if (owned != listIds.Length)
        {
            throw new RequestValidationException(nameof(request.ListIds), "One of the chosen lists does not exist.");
        }

        if (request.SegmentId is { } segmentId && !await db.Segments.AnyAsync(x => x.Id == segmentId && x.CompanyId == companyId, cancellationToken))
        {
            // Shown where the audience's problems are (the segment list is not on the page of a company without segments).
            throw new RequestValidationException(nameof(request.ListIds), "That segment does not exist. Choose another.");
        }

        DateTimeOffset? sendAt = null;
        if (request.SendAt is { } local)
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(request.TimeZone);
            var wallClock = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
            if (zone.IsInvalidTime(wallClock))
            {
                throw new RequestValidationException(nameof(request.SendAt), $"{local:yyyy-MM-dd HH:mm} does not exist in {request.TimeZone} (the clocks go forward then). Choose another time.");
            }

            sendAt = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(wallClock, zone), TimeSpan.Zero);
            if (request.Schedule && sendAt < now.AddMinutes(-1))
            {
                throw new RequestValidationException(nameof(request.SendAt), $"{local:yyyy-MM-dd HH:mm} in {request.TimeZone} is in the past. Choose a later time, or leave it empty to send now.");
            }
        }

        Campaign campaign;
        if (request.Id is { } id)
        {
            campaign = await db.Campaigns.SingleOrDefaultAsync(c => c.Id == id && c.CompanyId == companyId && c.Kind == CampaignKinds.Campaign, cancellationToken)
                       ?? throw new RequestValidationException(string.Empty, "That campaign does not exist.");
            if (!CampaignLifecycle.IsEditable(campaign.Status))
            {
                throw new RequestValidationException(string.Empty, $"A {campaign.Status.ToLowerInvariant()} campaign cannot be changed.");
            }

            if (campaign.StartedAt is not null && (campaign.IncludeSubscribers != request.IncludeSubscribers || !campaign.ListIds.Order().SequenceEqual(listIds.Order()) || campaign.SegmentId != request.SegmentId))
            {
                throw new RequestValidationException(nameof(request.ListIds), "This campaign has already sent to part of its audience, so its audience cannot change. Cancel it and write a new one to reach other people.");
            }
        }
        else
        {
            campaign = new Campaign
            {
                Id = Guid.CreateVersion7(),
                CompanyId = companyId,
                Name = string.Empty,
                SenderId = string.Empty,
                Body = string.Empty,
                Status = CampaignStatus.Draft,
                TimeZone = request.TimeZone,
                CreatedBy = tenant.UserId,
                CreatedAt = now,
            };
            db.Campaigns.Add(campaign);
        }

        campaign.Name = request.Name.Trim();
        campaign.SenderId = request.SenderId;
        campaign.Body = request.Body;
        campaign.IncludeSubscribers = request.IncludeSubscribers;
        campaign.ListIds = listIds;
        campaign.SegmentId = request.SegmentId;
        campaign.TimeZone = request.TimeZone;
        campaign.ScheduledAt = sendAt;
        campaign.RespectQuietHours = request.RespectQuietHours;
        campaign.TrackLinks = request.TrackLinks;
        campaign.QuietStart = request.QuietStart;
        campaign.QuietEnd = request.QuietEnd;
        campaign.UpdatedAt = now;
        await SetVariantsAsync(campaign, request, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);

        if (request.Schedule)
        {
            await CampaignScheduling.ScheduleAsync(db, mediator, jobs, campaign, now, cancellationToken);
            await SetRepeatAsync(campaign, request, now, cancellationToken);
        }

        return campaign.Id;
    }

    /// <summary>Variant B, C, … pass the same placeholder checks as the main body (A), each named.</summary>
    private async Task RequireKnownPlaceholdersInVariantsAsync(Guid companyId, SaveCampaign request, CancellationToken cancellationToken)
    {
        var variants = request.Variants;
        if (variants.Skip(1).All(v => MessageTemplate.FieldsIn(v).Count == 0))
        {
            return;
        }

        var keys = await db.ContactFieldKeysAsync(companyId, cancellationToken);
        var problems = variants.Select((body, i) => (body, i)).Skip(1)
            .SelectMany(v => MessageTemplate.PlaceholderProblems(v.body, keys).Select(p => new ValidationError(nameof(request.AbTest), $"Variant {CampaignVariant.Letter(v.i)}: {p}")))
            .ToList();
        if (problems.Count > 0)
        {
            throw new RequestValidationException(problems);
        }
    }

    /// <summary>
    /// The A/B settings and the variants' rows, replaced as a whole (an editable campaign has not built its audience, so
    /// nothing refers to the old ones). Variant A's body is the campaign's body.
    /// </summary>
    private async Task SetVariantsAsync(Campaign campaign, SaveCampaign request, CancellationToken cancellationToken)
    {
        var existing = await db.CampaignVariants.Where(v => v.CampaignId == campaign.Id && v.CompanyId == campaign.CompanyId).OrderBy(v => v.Variant).ToListAsync(cancellationToken);
        if (campaign.StartedAt is not null && (existing.Count > 0 || request.AbTest))
        {
            // Its recipients were split and some sent a variant: the test is what it was (the bodies, splits and rules).
            var same = request.AbTest && existing.Select(v => v.Body).SequenceEqual(request.Variants, StringComparer.Ordinal)
                       && existing.Select(v => v.Percent).SequenceEqual(request.AbPercents.Take(existing.Count))
                       && campaign.AbTestPercent == request.AbTestPercent && campaign.AbMetric == request.AbMetric
                       && campaign.AbWindowHours == request.AbWindowHours && campaign.AbSendRest == (request.AbSendRest && request.AbTestPercent < 100);
            if (!same)
            {
                throw new RequestValidationException(nameof(request.AbTest), "This campaign has already sent to part of its audience, so its A/B test cannot change. Cancel it and write a new one to test other texts.");
            }

            return;
        }

        db.CampaignVariants.RemoveRange(existing);
        campaign.AbTestPercent = request.AbTest ? request.AbTestPercent : null;
        campaign.AbMetric = request.AbTest ? request.AbMetric : null;
        campaign.AbWindowHours = request.AbTest ? request.AbWindowHours : null;
        campaign.AbSendRest = request.AbTest && request.AbSendRest && request.AbTestPercent < 100;
        campaign.AbDecideAt = null;
        campaign.AbWinner = null;
        campaign.AbDecidedAt = null;
        campaign.AbHeld = 0;
        campaign.AbRestSent = null;
        if (!request.AbTest)
        {
            return;
        }

        if (existing.Count > 0)
        {
            // The removal first: the new rows have the same keys.
            await db.SaveChangesAsync(cancellationToken);
        }

        var variants = request.Variants;
        for (var i = 0; i < variants.Count; i++)
        {
            db.CampaignVariants.Add(new CampaignVariant { CampaignId = campaign.Id, CompanyId = campaign.CompanyId, Variant = (short)i, Body = variants[i], Percent = request.AbPercents[i] });
        }
    }

    /// <summary>
    /// The campaign's series (ADR 34): made, changed or ended as the form says. Only the campaign a series was set up on
    /// carries it; an occurrence made from it is an ordinary campaign.
    /// </summary>
    private async Task SetRepeatAsync(Campaign campaign, SaveCampaign request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (campaign.Occurrence > 0)
        {
            return;
        }

        var recurrence = campaign.RecurrenceId is { } existing ? await db.Recurrences.SingleOrDefaultAsync(r => r.Id == existing, cancellationToken) : null;
        if (!RepeatFrequency.IsRepeating(request.Repeat) || request.SendAt is not { } first)
        {
            if (recurrence is { EndedAt: null })
            {
                recurrence.EndedAt = now;
                recurrence.NextAt = null;
                await db.SaveChangesAsync(cancellationToken);
            }

            return;
        }

        if (recurrence is null)
        {
            recurrence = new CampaignRecurrence { Id = Guid.CreateVersion7(), CompanyId = campaign.CompanyId, SourceCampaignId = campaign.Id, Frequency = request.Repeat, TimeZone = request.TimeZone, CreatedAt = now };
            db.Recurrences.Add(recurrence);
            campaign.RecurrenceId = recurrence.Id;
            campaign.Occurrence = 0;
        }

        recurrence.Frequency = request.Repeat;
        recurrence.FirstLocal = DateTime.SpecifyKind(first, DateTimeKind.Unspecified);
        recurrence.TimeZone = request.TimeZone;
        recurrence.Until = request.RepeatUntil;
        // Occurrences already made keep their numbers: the series goes on after the last one.
        recurrence.NextOccurrence = await db.Campaigns.Where(c => c.RecurrenceId == recurrence.Id).MaxAsync(c => c.Occurrence, cancellationToken) ?? 0;
        recurrence.EndedAt = null;
        recurrence.LastProblem = null;
        RecurringCampaignsJob.Advance(recurrence, now);
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>
/// Schedule, pause, resume or cancel a campaign (<paramref name="Action"/> is what the page's button posts, see
/// <see cref="CampaignLifecycle.FormValue"/>); the running batches stop before their next claim.
/// </summary>
internal sealed record ChangeCampaignState(Guid Id, string Action) : IRequest<string>;

internal sealed class ChangeCampaignStateHandler(
    CampaignsDbContext db, ITenantContext tenant, IMediator mediator, CampaignJobs jobs, CampaignSettlement settlement, TimeProvider clock)
    : IRequestHandler<ChangeCampaignState, string>
{
    public async Task<string> Handle(ChangeCampaignState request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var campaign = await db.Campaigns.SingleOrDefaultAsync(c => c.Id == request.Id && c.CompanyId == companyId && c.Kind == CampaignKinds.Campaign, cancellationToken)
                       ?? throw new RequestValidationException(string.Empty, "That campaign does not exist.");
        var now = clock.GetUtcNow();
        var step = CampaignLifecycle.StepFor(request.Action);
        if (step is not { } allowed || !CampaignLifecycle.Allows(allowed, campaign.Status))
        {
            var done = step switch { CampaignStep.Pause => "paused", CampaignStep.Resume => "resumed", CampaignStep.Cancel => "cancelled", _ => "scheduled" };
            throw new RequestValidationException(string.Empty, $"A {campaign.Status.ToLowerInvariant()} campaign cannot be {done}.");
        }

        switch (allowed)
        {
            case CampaignStep.Pause:
                await SetStatusAsync(campaign, CampaignStep.Pause, CampaignStatus.Paused, now, cancellationToken);
                await jobs.UnscheduleAsync(campaign.Id, cancellationToken);
                return "Paused. Batches already handed to the carrier finish; nothing more is sent until you resume.";
            case CampaignStep.Resume:
                await CampaignScheduling.RequireMaySpendAsync(mediator, companyId, cancellationToken);
                await SetStatusAsync(campaign, CampaignStep.Resume, CampaignLifecycle.ScheduleTarget(campaign.PreparedAt is not null, campaign.StartedAt is not null), now, cancellationToken);
                await jobs.ScheduleAsync(campaign.Id, campaign.ScheduledAt is { } at && at > now ? at : now, prepareNow: true, cancellationToken);
                return "Resumed.";
            case CampaignStep.Cancel:
                await SetStatusAsync(campaign, CampaignStep.Cancel, CampaignStatus.Cancelled, now, cancellationToken);
                await jobs.UnscheduleAsync(campaign.Id, cancellationToken);
                // Settled like a completed campaign: what was already submitted is spent, the rest released, once.
                await settlement.SettleAsync(campaign.Id, cancellationToken);
                return "Cancelled. Credits for messages not sent are released.";
            default:
                await CampaignScheduling.ScheduleAsync(db, mediator, jobs, campaign, now, cancellationToken);
                return "Scheduled.";
        }
    }

    private async Task SetStatusAsync(Campaign campaign, CampaignStep step, string to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var status = CampaignLifecycle.Require(step, campaign.Status, to);
        // Guarded by the status read, so a run that completed the campaign meanwhile is not overwritten.
        var changed = await db.Campaigns.Where(c => c.Id == campaign.Id && c.Status == campaign.Status)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, status).SetProperty(c => c.UpdatedAt, now), cancellationToken);
        if (changed == 0)
        {
            throw new RequestValidationException(string.Empty, "The campaign changed meanwhile. Reload the page and try again.");
        }
    }
}

/// <summary>The company's Schedule step (<see cref="CampaignStep.Schedule"/>): from the page's button, or saving the form with Schedule.</summary>
internal static class CampaignScheduling
{
    /// <summary>
    /// Draft (or needing attention) → Scheduled: the audience is built and the credits reserved by the first job run
    /// (at once), and sending starts at the scheduled time. A campaign that needed attention starts over.
    /// </summary>
    public static async Task ScheduleAsync(CampaignsDbContext db, IMediator mediator, CampaignJobs jobs, Campaign campaign, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await RequireMaySpendAsync(mediator, campaign.CompanyId, cancellationToken);
        if (campaign.StartedAt is not null)
        {
            await ContinueAsync(db, mediator, jobs, campaign, now, cancellationToken);
            return;
        }

        if (campaign.ScheduledAt is { } at && at < now.AddMinutes(-1))
        {
            throw new RequestValidationException(nameof(SaveCampaign.SendAt), "The scheduled time is in the past. Choose a later time, or leave it empty to send now.");
        }

        if (campaign.ReservedCredits > 0)
        {
            await mediator.Send(new ReleaseCredits(campaign.CompanyId, campaign.Id), cancellationToken);
        }

        var previous = campaign.Status;
        var scheduled = CampaignLifecycle.Require(CampaignStep.Schedule, previous, CampaignStatus.Scheduled);
        var changed = await db.Campaigns.Where(c => c.Id == campaign.Id && c.Status == previous)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Status, scheduled)
                .SetProperty(c => c.PreparedAt, (DateTimeOffset?)null)
                .SetProperty(c => c.AttentionReason, (string?)null)
                .SetProperty(c => c.ReservedCredits, 0)
                .SetProperty(c => c.UpdatedAt, now), cancellationToken);
        if (changed == 0)
        {
            throw new RequestValidationException(string.Empty, "The campaign changed meanwhile. Reload the page and try again.");
        }

        await db.CampaignPrices.Where(p => p.CampaignId == campaign.Id).ExecuteDeleteAsync(cancellationToken);
        await jobs.ScheduleAsync(campaign.Id, campaign.ScheduledAt is { } when && when > now ? when : now, prepareNow: true, cancellationToken);
    }

    /// <summary>Accounts' rule (<see cref="CheckCompanyMaySpend"/>): an unconfirmed company's campaigns stay drafts.</summary>
    public static async Task RequireMaySpendAsync(IMediator mediator, Guid companyId, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new CheckCompanyMaySpend(companyId), cancellationToken) is { } refusal)
        {
            throw new RequestValidationException(string.Empty, refusal);
        }
    }

    /// <summary>
    /// A campaign that had started sending when it needed attention (its Sender ID was revoked) goes on where it
    /// stopped: its messages are kept — building the audience again would send twice to those already messaged — and
    /// the (possibly changed) Sender ID is checked for every destination country first.
    /// </summary>
    private static async Task ContinueAsync(CampaignsDbContext db, IMediator mediator, CampaignJobs jobs, Campaign campaign, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var countries = await db.CampaignPrices.Where(p => p.CampaignId == campaign.Id).Select(p => p.Country).ToListAsync(cancellationToken);
        foreach (var country in countries)
        {
            var check = await mediator.Send(new CheckSenderId(campaign.CompanyId, campaign.SenderId, country), cancellationToken);
            if (!check.Allowed)
            {
                throw new RequestValidationException(nameof(SaveCampaign.SenderId), check.Reason ?? $"{campaign.SenderId} may not be used for {country}.");
            }
        }

        var previous = campaign.Status;
        var sending = CampaignLifecycle.Require(CampaignStep.Schedule, previous, CampaignStatus.Sending);
        var changed = await db.Campaigns.Where(c => c.Id == campaign.Id && c.Status == previous)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Status, sending)
                .SetProperty(c => c.AttentionReason, (string?)null)
                .SetProperty(c => c.UpdatedAt, now), cancellationToken);
        if (changed == 0)
        {
            throw new RequestValidationException(string.Empty, "The campaign changed meanwhile. Reload the page and try again.");
        }

        await jobs.ScheduleAsync(campaign.Id, now, prepareNow: false, cancellationToken);
    }
}

/// <summary>
/// The live preview of a template: encoding, segments, the character that forced UCS-2, and the cost per recipient —
/// of the text as it will be sent, so with the opt-out route an alphanumeric <see cref="SenderId"/> needs. Contact
/// fields render with their longest value among the contacts of <see cref="ListIds"/> (all the company's lists when
/// none is chosen), the rendering preparation reserves credits for; a field no contact has renders its fallback.
/// </summary>
/// <remarks>
/// <see cref="Variants"/>: an A/B test's other bodies (B, C, …; ADR 36). Each is measured the same way; the credits are
/// those of the longest, as preparation reserves them, and <see cref="TemplatePreview.VariantSegments"/> has each one's
/// segments (A first).
/// </remarks>
internal sealed record PreviewTemplate(
    string Text, string? Country, string? SenderId = null, IReadOnlyList<Guid>? ListIds = null, bool TrackLinks = false, Guid? SegmentId = null,
    IReadOnlyList<string>? Variants = null) : IRequest<TemplatePreview>;

internal sealed record TemplatePreview(TextPreview Text, long CreditsPerRecipient, IReadOnlyList<string> Problems)
{
    /// <summary>An A/B test's segments per variant, A first; empty without a test.</summary>
    public IReadOnlyList<int> VariantSegments { get; init; } = [];
}

internal sealed class PreviewTemplateHandler(
    ITenantContext tenant, IMediator mediator, OptOutRoute route, CampaignsDbContext db, LongestFieldValues longest, Features.Links.TrackedLinks links)
    : IRequestHandler<PreviewTemplate, TemplatePreview>
{
    public async Task<TemplatePreview> Handle(PreviewTemplate request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var text = request.Text ?? string.Empty;
        var variants = (request.Variants ?? []).Where(v => !string.IsNullOrWhiteSpace(v)).ToList();
        var used = variants.Prepend(text).SelectMany(MessageTemplate.FieldsIn).Distinct(StringComparer.Ordinal).ToList();
        IReadOnlyList<string> keys = used.Count == 0 ? [] : await db.ContactFieldKeysAsync(companyId, cancellationToken);
        var known = used.Where(keys.Contains).ToList();
        // A segment's members are among its lists' contacts, so the longest value there is an upper bound for it too.
        var lists = request.SegmentId is { } segmentId
            ? await db.Segments.Where(x => x.Id == segmentId && x.CompanyId == companyId).Select(x => x.ListIds).SingleOrDefaultAsync(cancellationToken) ?? []
            : request.ListIds ?? [];
        var samples = known.Count == 0 ? null : await longest.GetAsync(companyId, lists, known, cancellationToken);
        var preview = Measure(request, text, samples);
        var segments = variants.Count == 0 ? [] : variants.Select(v => Measure(request, v, samples).Segments).Prepend(preview.Segments).ToList();
        var quote = await mediator.Send(new QuotePrice(companyId, request.Country ?? "*", segments.Count == 0 ? preview.Segments : segments.Max(), 1), cancellationToken);
        var problems = MessageTemplate.PlaceholderProblems(text, keys)
            .Concat(variants.SelectMany((v, i) => MessageTemplate.PlaceholderProblems(v, keys).Select(p => $"Variant {CampaignVariant.Letter(i + 1)}: {p}")));
        return new TemplatePreview(preview, quote.TotalCredits, problems.ToList()) { VariantSegments = segments };
    }

    /// <summary>The text as it will be sent: links shortened to the fixed length every recipient's has, the opt-out route, fields at their longest.</summary>
    private TextPreview Measure(PreviewTemplate request, string text, IReadOnlyDictionary<string, string>? samples)
    {
        var template = links.Template(text, request.TrackLinks, 0);
        var sent = string.IsNullOrWhiteSpace(request.SenderId) ? template : route.Apply(request.SenderId.Trim(), template);
        return MessageTemplate.Preview(sent, "Alexandra", samples);
    }
}

/// <summary>An estimate of the audience before scheduling: opted-in subscribers plus the lists' distinct numbers not suppressed.</summary>
internal sealed record EstimateAudience(bool IncludeSubscribers, IReadOnlyList<Guid> ListIds, Guid? SegmentId = null) : IRequest<AudienceEstimate>;

/// <summary>With <paramref name="Segment"/>, <paramref name="ListContacts"/> is the segment's sendable people.</summary>
internal sealed record AudienceEstimate(long Subscribers, long ListContacts, long Suppressed, bool Segment = false);

internal sealed class EstimateAudienceHandler(CampaignsDbContext db, ITenantContext tenant, IMediator mediator, CampaignsDataSource data, Segments.SegmentQuery segments)
    : IRequestHandler<EstimateAudience, AudienceEstimate>
{
    public async Task<AudienceEstimate> Handle(EstimateAudience request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (request.SegmentId is { } segmentId)
        {
            // The segment's own count: the same statement its campaign's audience is built from.
            var segment = await db.Segments.AsNoTracking().SingleOrDefaultAsync(x => x.Id == segmentId && x.CompanyId == companyId, cancellationToken);
            if (segment is null)
            {
                return new AudienceEstimate(0, 0, 0, Segment: true);
            }

            var (people, suppressedPeople) = await Segments.CountSegmentHandler.CountAsync(data, segments, segment, cancellationToken);
            return new AudienceEstimate(0, people - suppressedPeople, suppressedPeople, Segment: true);
        }

        var subscribers = request.IncludeSubscribers ? await mediator.Send(new CountOptedInSubscribers(companyId), cancellationToken) : 0;
        var lists = request.ListIds.Distinct().ToArray();
        if (lists.Length == 0)
        {
            return new AudienceEstimate(subscribers, 0, 0);
        }

        var phones = db.Contacts.Where(c => c.CompanyId == companyId && lists.Contains(c.ListId)).Select(c => c.Phone).Distinct();
        var total = await phones.LongCountAsync(cancellationToken);
        var suppressed = await phones.LongCountAsync(p => db.Suppressions.Any(s => s.CompanyId == companyId && s.Phone == p), cancellationToken);
        return new AudienceEstimate(subscribers, total - suppressed, suppressed);
    }
}
