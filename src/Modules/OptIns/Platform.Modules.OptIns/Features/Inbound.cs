using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.OptIns.Domain;
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
internal sealed class SiteLinks(IOptions<OptInsOptions> options, Microsoft.Extensions.Configuration.IConfiguration configuration)
{
    public string BaseUrl => (options.Value.PublicBaseUrl is { Length: > 0 } own ? own : configuration["Platform:PublicBaseUrl"] is { Length: > 0 } shared ? shared : "http://localhost:5080").TrimEnd('/');

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

        var command = InboundCommand.Parse(notification.Text);
        var text = InboundCommand.ForStorage(notification.Text);
        var at = notification.ReceivedAt == default ? DateTimeOffset.UtcNow : notification.ReceivedAt;
        switch (command.Kind)
        {
            case InboundKind.Keyword:
                await KeywordAsync(from, to, command.Word!, text, at, cancellationToken);
                break;
            case InboundKind.Stop:
                await StopAsync(from, to, command.Word, text, at, cancellationToken);
                break;
            case InboundKind.Start:
                await StartAsync(from, to, command.Word, text, at, cancellationToken);
                break;
            case InboundKind.Help:
                await HelpAsync(from, to, command.Word, at, cancellationToken);
                break;
            default:
                await UnknownAsync(from, to, at, cancellationToken);
                break;
        }
    }

    private async Task KeywordAsync(string from, string to, string word, string text, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var outcome = await store.ApplyKeywordAsync(to, word, from, text, at, options.Value.KeywordReplyInterval, cancellationToken);
        if (outcome is null)
        {
            await UnknownAsync(from, to, at, cancellationToken);
            return;
        }

        if (outcome.OptedInNow)
        {
            await mediator.Publish(new SubscriberOptedIn(outcome.CompanyId, outcome.SubscriberId, from, ConsentChannels.Sms), cancellationToken);
        }

        if (!outcome.Reply)
        {
            return;
        }

        var reply = outcome.NewSubscriber
            ? $"{outcome.AutoReply} Your user code is {outcome.UserCode}. Register to manage your opt-ins: {links.Register(outcome.UserCode)} Reply STOP {outcome.Word} to opt out."
            : $"{outcome.AutoReply} Reply STOP {outcome.Word} to opt out.";
        await ReplyAsync(to, from, reply, cancellationToken);
    }

    private async Task StopAsync(string from, string to, string? word, string text, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var subscriberId = await SubscriberIdAsync(from, cancellationToken);
        var companyIds = new List<Guid>();
        if (subscriberId is { } id)
        {
            var company = word is null ? null : await KeywordCompanyAsync(to, word, cancellationToken);
            companyIds = company is { } one
                ? [one]
                : await Db.Subscriptions.AsNoTracking()
                    .Where(s => s.SubscriberId == id && s.PlatformNumber == to && s.OptedIn)
                    .Select(s => s.CompanyId)
                    .ToListAsync(cancellationToken);
        }

        var changed = subscriberId is { } subscriber
            ? await store.ChangeConsentAsync(subscriber, companyIds, optIn: false, ConsentChannels.Sms, text, at, cancellationToken)
            : [];
        if (changed.Count == 0)
        {
            await CourtesyAsync(from, to, NothingKind, options.Value.UnknownReplyInterval, "You are not subscribed to anything on this number, so there is nothing to stop.", at, cancellationToken);
            return;
        }

        foreach (var companyId in changed)
        {
            await mediator.Publish(new SubscriberOptedOut(companyId, subscriberId!.Value, from, ConsentChannels.Sms), cancellationToken);
        }

        // Exactly one confirmation, however many companies it concerned.
        await ReplyAsync(to, from,
            $"You are unsubscribed from {await companies.JoinAsync(changed, cancellationToken)} and will get no more messages from them. Reply START to opt back in.",
            cancellationToken);
    }

    private async Task StartAsync(string from, string to, string? word, string text, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var subscriberId = await SubscriberIdAsync(from, cancellationToken);
        IReadOnlyList<Guid> changed = [];
        if (subscriberId is { } id)
        {
            var company = word is null ? null : await KeywordCompanyAsync(to, word, cancellationToken);
            List<Guid> companyIds;
            if (company is { } one)
            {
                companyIds = [one];
            }
            else
            {
                // A bare START undoes the latest opt-out on this number (all the companies a bare STOP stopped at once).
                var optedOut = Db.Subscriptions.AsNoTracking().Where(s => s.SubscriberId == id && s.PlatformNumber == to && !s.OptedIn);
                var latest = await optedOut.MaxAsync(s => (DateTimeOffset?)s.ChangedAt, cancellationToken);
                companyIds = latest is null ? [] : await optedOut.Where(s => s.ChangedAt == latest).Select(s => s.CompanyId).ToListAsync(cancellationToken);
            }

            changed = await store.ChangeConsentAsync(id, companyIds, optIn: true, ConsentChannels.Sms, text, at, cancellationToken);
        }

        if (changed.Count == 0)
        {
            await CourtesyAsync(from, to, NothingKind, options.Value.UnknownReplyInterval, "There is nothing to restart on this number. Text a company's keyword to join it.", at, cancellationToken);
            return;
        }

        foreach (var companyId in changed)
        {
            await mediator.Publish(new SubscriberOptedIn(companyId, subscriberId!.Value, from, ConsentChannels.Sms), cancellationToken);
        }

        await ReplyAsync(to, from, $"You are subscribed again to {await companies.JoinAsync(changed, cancellationToken)}. Reply STOP to opt out.", cancellationToken);
    }

    private async Task HelpAsync(string from, string to, string? word, DateTimeOffset at, CancellationToken cancellationToken)
    {
        Guid? companyId = null;
        string? keyword = null;
        if (word is not null && await Db.Keywords.AsNoTracking()
                .Where(k => k.PlatformNumber == to && k.Word == word && k.DeletedAt == null)
                .Select(k => new { k.CompanyId, k.Word })
                .FirstOrDefaultAsync(cancellationToken) is { } named)
        {
            (companyId, keyword) = (named.CompanyId, named.Word);
        }
        else if (await SubscriberIdAsync(from, cancellationToken) is { } subscriberId)
        {
            // Attribution: the company that was last in contact with this handset on this number.
            var latest = await (
                    from s in Db.Subscriptions.AsNoTracking()
                    join k in Db.Keywords.AsNoTracking() on s.KeywordId equals k.Id
                    where s.SubscriberId == subscriberId && s.PlatformNumber == to
                    orderby s.LastContactAt descending
                    select new { s.CompanyId, k.Word })
                .FirstOrDefaultAsync(cancellationToken);
            (companyId, keyword) = (latest?.CompanyId, latest?.Word);
        }

        var answer = companyId is { } id
            ? $"{await companies.GetAsync(id, cancellationToken)}: you get their messages because you texted {keyword}. Reply STOP {keyword} to opt out of them, STOP to opt out of everything on this number. Your account: {links.Account}"
            : $"Text a company's keyword to this number to join it. Reply STOP to opt out of everything on this number. Your account: {links.Account}";
        await CourtesyAsync(from, to, HelpKind, options.Value.HelpReplyInterval, answer, at, cancellationToken);
    }

    private Task UnknownAsync(string from, string to, DateTimeOffset at, CancellationToken cancellationToken) =>
        CourtesyAsync(from, to, UnknownKind, options.Value.UnknownReplyInterval,
            "Sorry, we did not recognise that. Text a company's keyword to join, HELP for help, STOP to opt out.", at, cancellationToken);

    private async Task CourtesyAsync(string from, string to, string kind, TimeSpan interval, string text, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await store.TryCourtesyReplyAsync(from, kind, at, interval, cancellationToken))
        {
            await ReplyAsync(to, from, text, cancellationToken);
        }
    }

    private async Task<Guid?> SubscriberIdAsync(string phone, CancellationToken cancellationToken) =>
        await Db.Subscribers.AsNoTracking().Where(s => s.Phone == phone).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(cancellationToken);

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
            if (!result.Accepted)
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
