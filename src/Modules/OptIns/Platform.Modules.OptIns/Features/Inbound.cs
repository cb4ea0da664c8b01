using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Campaigns.Contracts;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.OptIns.Domain;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Features;

/// <summary>Company names for replies, from Accounts' contract, cached for a few minutes.</summary>
internal sealed class CompanyNames(IMediator mediator, IMemoryCache cache)
{
    public async Task<string> GetAsync(Guid companyId, CancellationToken cancellationToken) =>
        (await cache.GetOrCreateAsync(("optins.company-name", companyId), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5);
            return (await mediator.Send(new GetCompany(companyId), cancellationToken))?.Name;
        })) ?? "This company";

    public async Task<string> JoinAsync(IEnumerable<Guid> companyIds, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        foreach (var id in companyIds)
        {
            names.Add(await GetAsync(id, cancellationToken));
        }

        names.Sort(StringComparer.OrdinalIgnoreCase);
        return names.Count switch
        {
            1 => names[0],
            _ => string.Join(", ", names[..^1]) + " and " + names[^1],
        };
    }
}

/// <summary>Where the site is, for links in texts.</summary>
internal sealed class SiteLinks(IOptions<OptInsOptions> options, PublicLinks links)
{
    /// <summary>OptIns' own address when it has one (texts may point at a short domain), else the platform's (<see cref="PublicLinks"/>).</summary>
    public string BaseUrl => (options.Value.PublicBaseUrl is { Length: > 0 } own ? own : links.BaseUrl.AbsoluteUri).TrimEnd('/');

    public string Register(string userCode) => $"{BaseUrl}/OptIns/Me/Register?code={userCode}";

    public string Account => $"{BaseUrl}/OptIns/Me";
}

/// <summary>
/// Every inbound SMS: keywords opt in (creating the subscriber and their user code on first contact), STOP words opt
/// out, START words opt back in, HELP words answer, anything else gets a short help reply at most once per interval.
/// Replies go back from the number the message was sent to.
/// </summary>
internal sealed class InboundSmsHandler(
    OptInsStore store,
    ReplySenders replySenders,
    IServiceProvider services,
    IMediator mediator,
    CompanyNames companies,
    SiteLinks links,
    IOptions<OptInsOptions> options,
    ILogger<InboundSmsHandler> logger) : INotificationHandler<InboundSmsReceived>
{
    private const string UnknownKind = "unknown";
    private const string HelpKind = "help";
    private const string NothingKind = "nothing";
    private const string NewsletterStopped = "You will get no more newsletters from us by SMS; you can change that in your account.";

    /// <summary>Resolved only off the hot path: a keyword opt-in needs no DbContext.</summary>
    private OptInsDbContext Db => field ??= services.GetRequiredService<OptInsDbContext>();

    public async Task Handle(InboundSmsReceived notification, CancellationToken cancellationToken)
    {
        if (!PhoneNumbers.TryNormalizeE164(notification.From, out var from))
        {
            // Alphanumeric senders and malformed numbers cannot opt in, and cannot be answered.
            logger.LogInformation("Inbound SMS from a sender that is not an E.164 number ignored ({Carrier} {MessageId})", notification.CarrierInstance, notification.CarrierMessageId);
            return;
        }

        // A platform number is E.164, or a short code as the carrier gives it.
        var to = PhoneNumbers.TryNormalizeE164(notification.To, out var e164To) ? e164To : (notification.To ?? string.Empty).Trim();
        if (to.Length is 0 or > 16 || from == to)
        {
            logger.LogInformation("Inbound SMS to {To} ignored: not a platform number, or sent to itself", notification.To);
            return;
        }

        // Opt-out words differ by country ("STOPP", "BAJA"): the handset's country picks the extra list.
        var command = InboundCommand.Parse(notification.Text, PhoneNumbers.RegionOf(from));
        var text = InboundCommand.ForStorage(notification.Text);
        var at = notification.ReceivedAt == default ? DateTimeOffset.UtcNow : notification.ReceivedAt;
        var message = new Received(from, to, text, at, notification.CarrierInstance, notification.CarrierMessageId);
        switch (command.Kind)
        {
            case InboundKind.Keyword:
                await KeywordAsync(message, command.Word!, cancellationToken);
                break;
            case InboundKind.Stop:
                await StopAsync(message, command.Word, cancellationToken);
                break;
            case InboundKind.Start:
                await StartAsync(message, command.Word, cancellationToken);
                break;
            case InboundKind.Help:
                await HelpAsync(message, command.Word, cancellationToken);
                break;
            default:
                await UnknownAsync(message, cancellationToken);
                break;
        }
    }

    /// <summary>An inbound message as the handler reads it: sender and platform number normalised, text cleaned.</summary>
    private sealed record Received(string From, string To, string Text, DateTimeOffset At, string CarrierInstance, string? CarrierMessageId);

    private async Task KeywordAsync(Received message, string word, CancellationToken cancellationToken)
    {
        var (from, to, text, at) = (message.From, message.To, message.Text, message.At);
        var outcome = await store.ApplyKeywordAsync(to, word, from, text, at, options.Value.KeywordReplyInterval, cancellationToken);
        if (outcome is null)
        {
            // One word that is no keyword on this number ("Thanks", "Yes please"): a reply for the inbox, if anyone messaged the handset.
            await UnknownAsync(message, cancellationToken);
            return;
        }

        if (outcome.OptedInNow)
        {
            // SubscriberOptedIn went to the outbox with the consent record, in apply_keyword's transaction (0005_outbox.sql).
            // The company sees the opt-in as an event in its thread with the handset (by user code, never the number).
            await mediator.Send(new NoteConversationEvent(outcome.CompanyId, to, from, ConversationEventKinds.Keyword, text, at, outcome.UserCode), cancellationToken);
        }

        if (!outcome.Reply)
        {
            return;
        }

        var reply = outcome.NewSubscriber
            ? $"{outcome.AutoReply} Your user code is {outcome.UserCode}. {AgeRule.SmsNotice} Register to manage your opt-ins: {links.Register(outcome.UserCode)} Reply STOP {outcome.Word} to opt out."
            : $"{outcome.AutoReply} Reply STOP {outcome.Word} to opt out.";
        await ReplyAsync(to, from, reply, cancellationToken);
    }

    /// <summary>
    /// STOP from anyone: every company that messaged the handset from this number (list contact, API recipient or
    /// subscriber alike, through Campaigns) and every company it is subscribed to here; STOP KEYWORD: that company.
    /// Campaigns' suppressions are written before this returns, so the carrier's acknowledgement comes after them.
    /// </summary>
    private async Task StopAsync(Received message, string? word, CancellationToken cancellationToken)
    {
        var (from, to, text, at) = (message.From, message.To, message.Text, message.At);
        var subscriber = await SubscriberAsync(from, cancellationToken);
        var only = word is null ? null : await KeywordCompanyAsync(to, word, cancellationToken);
        var subscribed = subscriber is null
            ? []
            : only is { } one
                ? [one]
                : await Db.Subscriptions.AsNoTracking()
                    .Where(s => s.SubscriberId == subscriber.Id && s.PlatformNumber == to && s.OptedIn)
                    .Select(s => s.CompanyId)
                    .ToListAsync(cancellationToken);

        var suppressed = await mediator.Send(new StopMessagesTo(to, from, text, at, subscribed, only, subscriber?.UserCode), cancellationToken);
        var changed = subscriber is null || subscribed.Count == 0
            ? []
            : await store.ChangeConsentAsync(subscriber.Id, subscribed, optIn: false, ConsentChannels.Sms, text, at, cancellationToken);
        // SubscriberOptedOut for each changed company went to the outbox with its consent record (0005_outbox.sql).
        var stopped = changed.Union(suppressed).ToList();
        // A bare STOP also answers the platform's own newsletter SMS to a business user's mobile (Privacy).
        var newsletters = word is null && await mediator.Send(new StopNewsletterSms(from, at), cancellationToken);
        if (stopped.Count == 0 && !newsletters)
        {
            await CourtesyAsync(from, to, NothingKind, options.Value.UnknownReplyInterval, "You will get no messages from companies on this number, so there is nothing more to stop.", at, cancellationToken);
            return;
        }

        // Exactly one confirmation, however many companies it concerned.
        await ReplyAsync(to, from,
            stopped.Count == 0
                ? NewsletterStopped
                : $"You are unsubscribed from {await companies.JoinAsync(stopped, cancellationToken)} and will get no more messages from them. Reply START to opt back in."
                  + (newsletters ? " " + NewsletterStopped : string.Empty),
            cancellationToken);
    }

    private async Task StartAsync(Received message, string? word, CancellationToken cancellationToken)
    {
        var (from, to, text, at) = (message.From, message.To, message.Text, message.At);
        var subscriber = await SubscriberAsync(from, cancellationToken);
        var only = word is null ? null : await KeywordCompanyAsync(to, word, cancellationToken);
        IReadOnlyList<Guid> changed = [];
        if (subscriber is { } known)
        {
            List<Guid> companyIds;
            if (only is { } one)
            {
                companyIds = [one];
            }
            else
            {
                // A bare START undoes the latest opt-out on this number (all the companies a bare STOP stopped at once).
                var optedOut = Db.Subscriptions.AsNoTracking().Where(s => s.SubscriberId == known.Id && s.PlatformNumber == to && !s.OptedIn);
                var latest = await optedOut.MaxAsync(s => (DateTimeOffset?)s.ChangedAt, cancellationToken);
                companyIds = latest is null ? [] : await optedOut.Where(s => s.ChangedAt == latest).Select(s => s.CompanyId).ToListAsync(cancellationToken);
            }

            changed = await store.ChangeConsentAsync(known.Id, companyIds, optIn: true, ConsentChannels.Sms, text, at, cancellationToken);
        }

        // The companies whose messages the latest STOP here stopped (list contacts and API recipients have no subscription).
        var resumed = await mediator.Send(new ResumeMessagesTo(to, from, text, at, only), cancellationToken);
        // SubscriberOptedIn for each changed company went to the outbox with its consent record (0005_outbox.sql).
        var started = changed.Union(resumed).ToList();
        if (started.Count == 0)
        {
            await CourtesyAsync(from, to, NothingKind, options.Value.UnknownReplyInterval, "There is nothing to restart on this number. Text a company's keyword to join it.", at, cancellationToken);
            return;
        }

        await ReplyAsync(to, from, $"You are subscribed again to {await companies.JoinAsync(started, cancellationToken)}. Reply STOP to opt out.", cancellationToken);
    }

    /// <summary>HELP answers for the company named by keyword, else the one that was last in contact with the handset on this number.</summary>
    private async Task HelpAsync(Received message, string? word, CancellationToken cancellationToken)
    {
        var (from, to, at) = (message.From, message.To, message.At);
        Guid? companyId = null;
        string? keyword = null;
        if (word is not null && await Db.Keywords.AsNoTracking()
                .Where(k => k.PlatformNumber == to && k.Word == word && k.DeletedAt == null)
                .Select(k => new { k.CompanyId, k.Word })
                .FirstOrDefaultAsync(cancellationToken) is { } named)
        {
            (companyId, keyword) = (named.CompanyId, named.Word);
        }
        else
        {
            var subscribed = (await replySenders.FindAsync(from, to))?.Latest;
            var messaged = await mediator.Send(new GetLastSender(to, from), cancellationToken);
            if (messaged is not null && (subscribed is null || messaged.At > subscribed.Value.At) && messaged.CompanyId != subscribed?.CompanyId)
            {
                companyId = messaged.CompanyId;
            }
            else if (subscribed is { } latest)
            {
                (companyId, keyword) = (latest.CompanyId, latest.Word);
            }
        }

        var answer = (companyId, keyword) switch
        {
            ({ } id, { } word2) => $"{await companies.GetAsync(id, cancellationToken)}: you get their messages because you texted {word2}. Reply STOP {word2} to opt out of them, STOP to opt out of everything on this number. Your account: {links.Account}",
            ({ } id, null) => $"{await companies.GetAsync(id, cancellationToken)} messages you on this number. Reply STOP to opt out of everything on this number, or write to them here. Your account: {links.Account}",
            _ => $"Text a company's keyword to this number to join it. Reply STOP to opt out of everything on this number. Your account: {links.Account}",
        };
        await CourtesyAsync(from, to, HelpKind, options.Value.HelpReplyInterval, answer, at, cancellationToken);
    }

    /// <summary>
    /// A text that is no command is a reply: it goes to the inbox of the company that last messaged the handset on this
    /// number (a campaign, an API message, or the keyword it texted). Only when no company did is it answered with help.
    /// </summary>
    private async Task UnknownAsync(Received message, CancellationToken cancellationToken)
    {
        // No DbContext, and gathered with the replies that arrive with it: this is the path of every reply (the inbox's throughput target).
        var sender = await replySenders.FindAsync(message.From, message.To);
        var delivered = await mediator.Send(new DeliverReply(message.To, message.From, message.Text, message.At, message.CarrierInstance, message.CarrierMessageId,
            sender?.Latest is { } s ? new CompanyContact(s.CompanyId, s.At) : null, sender?.UserCode), cancellationToken);
        if (delivered is null)
        {
            await CourtesyAsync(message.From, message.To, UnknownKind, options.Value.UnknownReplyInterval,
                "Sorry, we did not recognise that. Text a company's keyword to join, HELP for help, STOP to opt out.", message.At, cancellationToken);
        }
    }

    private async Task CourtesyAsync(string from, string to, string kind, TimeSpan interval, string text, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await store.TryCourtesyReplyAsync(from, kind, at, interval, cancellationToken))
        {
            await ReplyAsync(to, from, text, cancellationToken);
        }
    }

    private sealed record KnownSubscriber(Guid Id, string UserCode);

    private async Task<KnownSubscriber?> SubscriberAsync(string phone, CancellationToken cancellationToken) =>
        await Db.Subscribers.AsNoTracking().Where(s => s.Phone == phone).Select(s => new KnownSubscriber(s.Id, s.UserCode)).FirstOrDefaultAsync(cancellationToken);

    private async Task<Guid?> KeywordCompanyAsync(string platformNumber, string word, CancellationToken cancellationToken) =>
        await Db.Keywords.AsNoTracking()
            .Where(k => k.PlatformNumber == platformNumber && k.Word == word && k.DeletedAt == null)
            .Select(k => (Guid?)k.CompanyId)
            .FirstOrDefaultAsync(cancellationToken);

    private async Task ReplyAsync(string platformNumber, string handset, string text, CancellationToken cancellationToken)
    {
        try
        {
            var result = await mediator.Send(new SendSms(platformNumber, handset, text), cancellationToken);
            if (result.OutcomeUnknown)
            {
                // It may have reached the handset; nothing here resends a reply, and a second confirmation would confuse.
                logger.LogWarning("Reply from {PlatformNumber}: outcome unknown (the carrier's answer was lost after sending), not resent: {Error}", platformNumber, result.Error);
            }
            else if (!result.Accepted)
            {
                logger.LogWarning("Reply from {PlatformNumber} not accepted by the carrier: {Error}", platformNumber, result.Error);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The consent is already recorded; a failed reply must not undo it or make the carrier redeliver.
            logger.LogError(exception, "Reply from {PlatformNumber} could not be sent", platformNumber);
        }
    }
}
