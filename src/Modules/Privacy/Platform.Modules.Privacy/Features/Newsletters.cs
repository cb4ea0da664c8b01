using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using Hangfire;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Privacy.Domain;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Privacy.Features;

/// <summary>The states of one newsletter recipient (Migrations/0003_newsletters.sql), as the claim and the counts read them.</summary>
internal static class RecipientStates
{
    public const short Queued = 0;
    public const short Sending = 1;
    public const short Sent = 2;
    public const short Failed = 3;
}

/// <summary>How newsletters are sent: batch size, how old a claimed email is before it is asked for again, STOP look-back.</summary>
internal static class NewsletterRules
{
    public const int BatchSize = 200;

    /// <summary>An email claimed this long ago by a run that died is queued again: the mail queue's dedup key makes that harmless.</summary>
    public static readonly TimeSpan StaleEmailClaim = TimeSpan.FromMinutes(5);

    /// <summary>A STOP answers the newsletter SMS sent to that number within this time.</summary>
    public static readonly TimeSpan StopLookBack = TimeSpan.FromDays(365);

    /// <summary>Recipient rows (with the address they went to) are deleted this long after the newsletter was sent.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(396);

    public const string SmsOptOut = " Reply STOP to stop these newsletters.";

    public static string SmsText(Newsletter newsletter) => (newsletter.SmsText ?? string.Empty).Trim() + SmsOptOut;
}

internal sealed record NewsletterCounts(int Recipients, int Queued, int Sending, int Sent, int Failed, int Unsubscribed);

internal sealed record NewsletterSummary(Guid Id, string Subject, string Status, bool SendEmail, bool SendSms, DateTimeOffset UpdatedAt, NewsletterCounts Counts);

internal sealed record NewsletterDetails(Newsletter Newsletter, IReadOnlyDictionary<string, NewsletterCounts> ByChannel, IReadOnlyDictionary<string, int> Audience, string PreviewHtml);

internal static class NewsletterCounting
{
    /// <summary>Counts per newsletter and channel in one GROUP BY (business users: thousands, not millions).</summary>
    public static async Task<Dictionary<(Guid Newsletter, string Channel), NewsletterCounts>> CountAsync(PrivacyDbContext db, Guid[] ids, CancellationToken ct)
    {
        var rows = await db.NewsletterRecipients.AsNoTracking()
            .Where(r => ids.Contains(r.NewsletterId))
            .GroupBy(r => new { r.NewsletterId, r.Channel })
            .Select(g => new
            {
                g.Key.NewsletterId,
                g.Key.Channel,
                All = g.Count(),
                Queued = g.Count(r => r.State == RecipientStates.Queued),
                Sending = g.Count(r => r.State == RecipientStates.Sending),
                Sent = g.Count(r => r.State == RecipientStates.Sent),
                Failed = g.Count(r => r.State == RecipientStates.Failed),
                Unsubscribed = g.Count(r => r.UnsubscribedAt != null),
            })
            .ToListAsync(ct);
        return rows.ToDictionary(r => (r.NewsletterId, r.Channel), r => new NewsletterCounts(r.All, r.Queued, r.Sending, r.Sent, r.Failed, r.Unsubscribed));
    }

    public static NewsletterCounts Sum(IEnumerable<NewsletterCounts> counts) => counts.Aggregate(
        new NewsletterCounts(0, 0, 0, 0, 0, 0),
        (a, b) => new NewsletterCounts(a.Recipients + b.Recipients, a.Queued + b.Queued, a.Sending + b.Sending, a.Sent + b.Sent, a.Failed + b.Failed, a.Unsubscribed + b.Unsubscribed));
}

/// <summary>The newest newsletters with their counts (the admin's list).</summary>
internal sealed record ListNewsletters : IRequest<IReadOnlyList<NewsletterSummary>>;

internal sealed class ListNewslettersHandler(PrivacyDbContext db) : IRequestHandler<ListNewsletters, IReadOnlyList<NewsletterSummary>>
{
    public async Task<IReadOnlyList<NewsletterSummary>> Handle(ListNewsletters request, CancellationToken cancellationToken)
    {
        var newsletters = await db.Newsletters.AsNoTracking().OrderByDescending(n => n.CreatedAt).Take(100).ToListAsync(cancellationToken);
        var counts = await NewsletterCounting.CountAsync(db, newsletters.Select(n => n.Id).ToArray(), cancellationToken);
        return newsletters
            .Select(n => new NewsletterSummary(n.Id, n.Subject, n.Status, n.ByMail, n.BySms, n.UpdatedAt,
                NewsletterCounting.Sum(counts.Where(c => c.Key.Newsletter == n.Id).Select(c => c.Value))))
            .ToList();
    }
}

/// <summary>One newsletter with its preview, its counts per channel and, for a draft, how many people it would reach.</summary>
internal sealed record GetNewsletter(Guid Id) : IRequest<NewsletterDetails?>;

internal sealed class GetNewsletterHandler(PrivacyDbContext db) : IRequestHandler<GetNewsletter, NewsletterDetails?>
{
    public async Task<NewsletterDetails?> Handle(GetNewsletter request, CancellationToken cancellationToken)
    {
        if (await db.Newsletters.AsNoTracking().SingleOrDefaultAsync(n => n.Id == request.Id, cancellationToken) is not { } newsletter)
        {
            return null;
        }

        var counts = await NewsletterCounting.CountAsync(db, [newsletter.Id], cancellationToken);
        var audience = new Dictionary<string, int>();
        if (newsletter.Status == NewsletterStatus.Draft)
        {
            foreach (var channel in Channels.All)
            {
                audience[channel] = await db.Database.SqlQuery<int>(ConsentingBusinessUsers.Count(channel)).SingleAsync(cancellationToken);
            }
        }

        return new NewsletterDetails(
            newsletter,
            counts.ToDictionary(c => c.Key.Channel, c => c.Value),
            audience,
            MailMarkdown.ToHtml(newsletter.Body));
    }
}

/// <summary>The business users whose latest newsletter consent on a channel is granted: the one definition of a newsletter's audience.</summary>
internal static class ConsentingBusinessUsers
{
    private const string Latest = """
        SELECT DISTINCT ON (subject_id, channel) subject_id, channel, granted FROM privacy.marketing_consents
        WHERE subject_kind = 'BusinessUser' ORDER BY subject_id, channel, id DESC
        """;

    // The constant query is SQL text, the values are parameters ({0}, {1}).
    public static FormattableString Count(string channel) => FormattableStringFactory.Create(
        "SELECT count(*)::int AS \"Value\" FROM (" + Latest + ") c WHERE c.granted AND c.channel = {0}", channel);

    public static FormattableString Enqueue(Guid newsletterId, string[] channels) => FormattableStringFactory.Create(
        "INSERT INTO privacy.newsletter_recipients (newsletter_id, subject_id, channel) SELECT {0}, c.subject_id, c.channel FROM ("
        + Latest + ") c WHERE c.granted AND c.channel = ANY({1}) ON CONFLICT DO NOTHING",
        newsletterId,
        channels);
}

/// <summary>Creates or edits a draft. A newsletter that started sending cannot be edited.</summary>
internal sealed class SaveNewsletter : IRequest<Guid>
{
    public Guid? Id { get; set; }

    [Required(ErrorMessage = "Enter a subject.")]
    [StringLength(150, ErrorMessage = "Keep the subject to 150 characters.")]
    public string Subject { get; set; } = string.Empty;

    [Required(ErrorMessage = "Write the newsletter.")]
    [StringLength(50_000, ErrorMessage = "Keep the newsletter to 50,000 characters.")]
    public string Body { get; set; } = string.Empty;

    [StringLength(300, ErrorMessage = "Keep the SMS to 300 characters (the opt-out sentence is added).")]
    public string? SmsText { get; set; }

    public bool SendEmail { get; set; } = true;

    public bool SendSms { get; set; }
}

internal sealed class SaveNewsletterValidator : IRequestValidator<SaveNewsletter>
{
    public IEnumerable<ValidationError> Validate(SaveNewsletter request)
    {
        if (!request.SendEmail && !request.SendSms)
        {
            yield return new ValidationError(nameof(request.SendEmail), "Choose email, SMS or both.");
        }

        if (request.SendSms && string.IsNullOrWhiteSpace(request.SmsText))
        {
            yield return new ValidationError(nameof(request.SmsText), "Write the SMS version, or untick SMS.");
        }
    }
}

internal sealed class SaveNewsletterHandler(PrivacyDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<SaveNewsletter, Guid>
{
    public async Task<Guid> Handle(SaveNewsletter request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        Newsletter newsletter;
        if (request.Id is { } id)
        {
            newsletter = await db.Newsletters.SingleOrDefaultAsync(n => n.Id == id, cancellationToken)
                ?? throw new RequestValidationException(string.Empty, "There is no such newsletter.");
            if (newsletter.Status != NewsletterStatus.Draft)
            {
                throw new RequestValidationException(string.Empty, "This newsletter was sent; it can no longer be changed.");
            }
        }
        else
        {
            newsletter = new Newsletter
            {
                Id = Guid.NewGuid(),
                Subject = string.Empty,
                Body = string.Empty,
                CreatedBy = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first."),
                CreatedAt = now,
            };
            db.Newsletters.Add(newsletter);
        }

        newsletter.Subject = request.Subject.Trim();
        newsletter.Body = request.Body.Trim();
        newsletter.SmsText = string.IsNullOrWhiteSpace(request.SmsText) ? null : request.SmsText.Trim();
        newsletter.ByMail = request.SendEmail;
        newsletter.BySms = request.SendSms;
        newsletter.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return newsletter.Id;
    }
}

/// <summary>Emails the newsletter (and texts its SMS, when it has one and the admin a mobile) to the admin who asks, as it will look.</summary>
internal sealed record SendNewsletterTest(Guid Id) : IRequest<string>;

internal sealed class SendNewsletterTestHandler(PrivacyDbContext db, ITenantContext tenant, DataSubjects subjects, IMediator mediator, NewsletterMessages messages)
    : IRequestHandler<SendNewsletterTest, string>
{
    public async Task<string> Handle(SendNewsletterTest request, CancellationToken cancellationToken)
    {
        var newsletter = await db.Newsletters.AsNoTracking().SingleOrDefaultAsync(n => n.Id == request.Id, cancellationToken)
            ?? throw new RequestValidationException(string.Empty, "There is no such newsletter.");
        var me = await subjects.FindAsync(DataSubjectKind.BusinessUser, tenant.UserId ?? Guid.Empty, cancellationToken);
        if (me?.Email is not { } email)
        {
            throw new RequestValidationException(string.Empty, "Your account has no email address to send the test to.");
        }

        // A new key per test: each click is a test of its own.
        await mediator.Send(messages.Email(newsletter, me, email, $"privacy.newsletter-test:{newsletter.Id}:{Guid.NewGuid():N}", "[Test] "), cancellationToken);
        if (newsletter.BySms && me.Phone is { } phone)
        {
            var sms = await mediator.Send(new SendSms(messages.SmsFrom, phone, NewsletterRules.SmsText(newsletter)), cancellationToken);
            return sms.Accepted ? $"A test was emailed to {email} and texted to {phone}." : $"A test was emailed to {email}; the SMS to {phone} failed: {sms.Error}";
        }

        return $"A test was emailed to {email}.";
    }
}

/// <summary>How a newsletter goes out on each channel: the one place its email and SMS are put together.</summary>
internal sealed class NewsletterMessages(UnsubscribeTokens tokens, PublicLinks links, IConfiguration configuration)
{
    /// <summary>The platform's first number: a handset can answer it, so STOP reaches OptIns and then <see cref="StopNewsletterSmsHandler"/>.</summary>
    public string SmsFrom { get; } = PlatformNumbers.From(configuration)[0];

    public SendEmail Email(Newsletter newsletter, DataSubject to, string address, string dedupKey, string subjectPrefix = "")
    {
        var token = tokens.Create(DataSubjectKind.BusinessUser, to.Id, Channels.Email, newsletter.Id);
        return new SendEmail(
            address,
            null,
            subjectPrefix + newsletter.Subject,
            new EmailBody(newsletter.Subject, [], Markdown: newsletter.Body),
            "privacy.newsletter",
            dedupKey,
            new EmailUnsubscribe(links.To("/Privacy/Unsubscribe/OneClick?token=" + Uri.EscapeDataString(token))));
    }
}

/// <summary>Starts sending a draft: its audience is fixed now (set-based, from the latest consents), and the job is woken.</summary>
internal sealed record StartNewsletter(Guid Id) : IRequest<int>;

internal sealed class StartNewsletterHandler(PrivacyDbContext db, IBackgroundJobClient jobs, TimeProvider clock) : IRequestHandler<StartNewsletter, int>
{
    public async Task<int> Handle(StartNewsletter request, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var newsletter = await db.Newsletters.FromSql($"SELECT * FROM privacy.newsletters WHERE id = {request.Id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken)
            ?? throw new RequestValidationException(string.Empty, "There is no such newsletter.");
        if (newsletter.Status != NewsletterStatus.Draft)
        {
            throw new RequestValidationException(string.Empty, "This newsletter is already sending or sent.");
        }

        if (newsletter.BySms && string.IsNullOrWhiteSpace(newsletter.SmsText))
        {
            throw new RequestValidationException(string.Empty, "Write the SMS version before sending by SMS.");
        }

        string[] channels = [.. Channels.All.Where(c => c == Channels.Email ? newsletter.ByMail : newsletter.BySms)];
        if (channels.Length == 0)
        {
            throw new RequestValidationException(string.Empty, "Choose email, SMS or both before sending.");
        }

        var recipients = await db.Database.ExecuteSqlAsync(ConsentingBusinessUsers.Enqueue(newsletter.Id, channels), cancellationToken);
        newsletter.Status = NewsletterStatus.Sending;
        newsletter.StartedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        jobs.Enqueue<SendNewslettersJob>(job => job.RunAsync(CancellationToken.None));
        return recipients;
    }
}

/// <summary>
/// Sends the newsletters that are sending, in batches of <see cref="NewsletterRules.BatchSize"/>: each batch is claimed
/// (committed) before anything is sent, so two runs never take the same recipient, and its outcomes are written in one
/// statement. Every 15 s and at once when a newsletter starts; a run that dies leaves its SMS claims "sending" (never
/// sent twice) and its email claims to be asked for again (the mail queue's dedup key sends each email once).
/// Also deletes recipient rows past their retention.
/// </summary>
internal sealed class SendNewslettersJob(PrivacyDbContext db, DataSubjects subjects, IMediator mediator, NewsletterMessages messages, TimeProvider clock, ILogger<SendNewslettersJob> logger)
    : IRecurringJob
{
    private sealed record Claimed(Guid SubjectId, string Channel);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var sending = await db.Newsletters.AsNoTracking().Where(n => n.Status == NewsletterStatus.Sending).OrderBy(n => n.StartedAt).ToListAsync(cancellationToken);
        var (sent, failed) = (0, 0);
        foreach (var newsletter in sending)
        {
            var (s, f) = await SendAsync(newsletter, cancellationToken);
            (sent, failed) = (sent + s, failed + f);
        }

        var purged = await db.Database.ExecuteSqlAsync(
            $"DELETE FROM privacy.newsletter_recipients r USING privacy.newsletters n WHERE n.id = r.newsletter_id AND n.finished_at < {clock.GetUtcNow() - NewsletterRules.Retention}",
            cancellationToken);
        return $"{sending.Count} newsletters sending: {sent} sent, {failed} failed; {purged} old recipient rows deleted";
    }

    private async Task<(int Sent, int Failed)> SendAsync(Newsletter newsletter, CancellationToken cancellationToken)
    {
        var (sent, failed) = (0, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var batch = await db.Database.SqlQuery<Claimed>($"""
                UPDATE privacy.newsletter_recipients r SET state = {RecipientStates.Sending}, claimed_at = {now}
                FROM (SELECT channel, subject_id FROM privacy.newsletter_recipients
                      WHERE newsletter_id = {newsletter.Id}
                        AND (state = {RecipientStates.Queued} OR (state = {RecipientStates.Sending} AND channel = 'email' AND claimed_at < {now - NewsletterRules.StaleEmailClaim}))
                      LIMIT {NewsletterRules.BatchSize} FOR UPDATE SKIP LOCKED) c
                WHERE r.newsletter_id = {newsletter.Id} AND r.channel = c.channel AND r.subject_id = c.subject_id
                RETURNING r.subject_id, r.channel
                """).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            var people = (await subjects.Directory(DataSubjectKind.BusinessUser).FindManyAsync(batch.Select(b => b.SubjectId).Distinct().ToList(), cancellationToken))
                .ToDictionary(p => p.Id);
            var outcomes = new List<(Guid SubjectId, string Channel, short State, string? Address, string? Error)>();
            var retryLater = false;
            foreach (var claimed in batch)
            {
                people.TryGetValue(claimed.SubjectId, out var person);
                var outcome = claimed.Channel == Channels.Email
                    ? await EmailAsync(newsletter, claimed, person, cancellationToken)
                    : await SmsAsync(newsletter, claimed, person, cancellationToken);
                retryLater |= outcome.State == RecipientStates.Queued;
                outcomes.Add(outcome);
            }

            sent += outcomes.Count(o => o.State == RecipientStates.Sent);
            failed += outcomes.Count(o => o.State == RecipientStates.Failed);
            await db.Database.ExecuteSqlAsync($"""
                UPDATE privacy.newsletter_recipients r
                SET state = x.state, address = coalesce(x.address, r.address), error = x.error,
                    sent_at = CASE WHEN x.state = {RecipientStates.Sent} THEN {clock.GetUtcNow()} END
                FROM unnest({outcomes.Select(o => o.SubjectId).ToArray()}::uuid[], {outcomes.Select(o => o.Channel).ToArray()}::text[],
                            {outcomes.Select(o => o.State).ToArray()}::smallint[], {outcomes.Select(o => o.Address).ToArray()}::text[],
                            {outcomes.Select(o => o.Error).ToArray()}::text[]) AS x(subject_id, channel, state, address, error)
                WHERE r.newsletter_id = {newsletter.Id} AND r.subject_id = x.subject_id AND r.channel = x.channel
                """, cancellationToken);
            if (retryLater)
            {
                // The carrier was not reachable: the next run (15 s) tries those again instead of spinning here.
                return (sent, failed);
            }
        }

        var finished = await db.Database.ExecuteSqlAsync($"""
            UPDATE privacy.newsletters n SET status = {NewsletterStatus.Sent}, finished_at = {clock.GetUtcNow()}
            WHERE n.id = {newsletter.Id} AND n.status = {NewsletterStatus.Sending} AND NOT EXISTS (
                SELECT 1 FROM privacy.newsletter_recipients r WHERE r.newsletter_id = n.id
                AND (r.state = {RecipientStates.Queued} OR (r.state = {RecipientStates.Sending} AND r.channel = 'email')))
            """, cancellationToken);
        if (finished == 1)
        {
            logger.LogInformation("Newsletter {Newsletter} finished sending", newsletter.Id);
        }

        return (sent, failed);
    }

    private async Task<(Guid SubjectId, string Channel, short State, string? Address, string? Error)> EmailAsync(Newsletter newsletter, Claimed claimed, DataSubject? person, CancellationToken ct)
    {
        if (person?.Email is not { } address)
        {
            return (claimed.SubjectId, claimed.Channel, RecipientStates.Failed, null, person is null ? "The account no longer exists." : "The account has no email address.");
        }

        await mediator.Send(messages.Email(newsletter, person, address, $"privacy.newsletter:{newsletter.Id}:{person.Id}"), ct);
        return (claimed.SubjectId, claimed.Channel, RecipientStates.Sent, address, null);
    }

    private async Task<(Guid SubjectId, string Channel, short State, string? Address, string? Error)> SmsAsync(Newsletter newsletter, Claimed claimed, DataSubject? person, CancellationToken ct)
    {
        if (person?.Phone is not { } phone || !PhoneNumbers.TryNormalizeE164(phone, out var number))
        {
            return (claimed.SubjectId, claimed.Channel, RecipientStates.Failed, null, person is null ? "The account no longer exists." : "The account has no mobile number.");
        }

        var result = await mediator.Send(new SendSms(messages.SmsFrom, number, NewsletterRules.SmsText(newsletter)), ct);
        return result switch
        {
            { Accepted: true } => (claimed.SubjectId, claimed.Channel, RecipientStates.Sent, number, null),
            // Possibly delivered: stays "sending" with the reason, never sent again.
            { OutcomeUnknown: true } => (claimed.SubjectId, claimed.Channel, RecipientStates.Sending, number, Truncate($"Outcome unknown: {result.Error}")),
            { Retryable: true } => (claimed.SubjectId, claimed.Channel, RecipientStates.Queued, number, Truncate(result.Error)),
            _ => (claimed.SubjectId, claimed.Channel, RecipientStates.Failed, number, Truncate(result.Error)),
        };
    }

    private static string? Truncate(string? error) => error is { Length: > 300 } ? error[..300] : error;
}

/// <summary>A STOP reply to a newsletter SMS: the people it was sent to stop getting newsletters by SMS, counted on the newsletter.</summary>
internal sealed class StopNewsletterSmsHandler(PrivacyDbContext db, IMediator mediator) : IRequestHandler<StopNewsletterSms, bool>
{
    public async Task<bool> Handle(StopNewsletterSms request, CancellationToken cancellationToken)
    {
        if (!PhoneNumbers.TryNormalizeE164(request.Phone, out var phone))
        {
            return false;
        }

        // The latest newsletter SMS each person got at this number counts the unsubscription.
        var stopped = await db.Database.SqlQuery<Guid>($"""
            WITH latest AS (
                SELECT DISTINCT ON (subject_id) newsletter_id, subject_id FROM privacy.newsletter_recipients
                WHERE channel = 'sms' AND address = {phone} AND state IN ({RecipientStates.Sending}, {RecipientStates.Sent})
                  AND claimed_at > {request.At - NewsletterRules.StopLookBack}
                ORDER BY subject_id, claimed_at DESC)
            UPDATE privacy.newsletter_recipients r SET unsubscribed_at = coalesce(r.unsubscribed_at, {request.At})
            FROM latest l WHERE r.newsletter_id = l.newsletter_id AND r.channel = 'sms' AND r.subject_id = l.subject_id
            RETURNING r.subject_id AS "Value"
            """).ToListAsync(cancellationToken);
        foreach (var subjectId in stopped.Distinct())
        {
            await mediator.Send(new SetMarketingConsents(DataSubjectKind.BusinessUser, subjectId, new Dictionary<string, bool> { [Channels.Sms] = false }, "STOP reply"), cancellationToken);
        }

        return stopped.Count > 0;
    }
}
