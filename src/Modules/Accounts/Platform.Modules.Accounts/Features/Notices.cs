using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Campaigns.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// The one home of "who gets which notice": every user of the company who has not turned the notice off. Each email's
/// dedup key is the notice's with the user's id, so a notice asked for twice (an event delivered again) arrives once.
/// </summary>
internal sealed class NotifyCompanyHandler(AccountsDbContext db, IMediator mediator) : IRequestHandler<NotifyCompany, int>
{
    public async Task<int> Handle(NotifyCompany request, CancellationToken cancellationToken)
    {
        if (CompanyNotices.All.All(n => n.Kind != request.Notice))
        {
            throw new ArgumentException($"'{request.Notice}' is not a notice of CompanyNotices.", nameof(request));
        }

        var recipients = await db.Users.AsNoTracking()
            .Where(u => u.CompanyId == request.CompanyId && u.Email != null && !u.MutedNotices.Contains(request.Notice) && u.Id != request.ExceptUserId)
            .Select(u => new { u.Id, u.Email, u.FirstName, u.Surname })
            .ToListAsync(cancellationToken);
        foreach (var user in recipients)
        {
            await mediator.Send(new SendEmail(
                user.Email!,
                $"{user.FirstName} {user.Surname}",
                request.Subject,
                Personal(request.Body, user.FirstName),
                $"notice.{request.Notice}",
                $"{request.DedupKey}:{user.Id}",
                Attachments: request.Attachments), cancellationToken);
        }

        return recipients.Count;
    }

    /// <summary>Every optional notice greets its reader and says where to turn it off.</summary>
    public static EmailBody Personal(EmailBody body, string firstName) =>
        body with { Paragraphs = [$"Hello {firstName},", .. body.Paragraphs, "You can turn this notice off under Profile → Email notices."] };
}

/// <summary>The signed-in user's notice choices: the kinds they get (all but the muted ones).</summary>
internal sealed record GetNoticeChoices : IRequest<IReadOnlyList<string>>;

/// <summary>Keeps the kinds the user wants; every other optional notice is turned off.</summary>
internal sealed record SaveNoticeChoices(IReadOnlyList<string> Wanted) : IRequest<Unit>;

internal sealed class NoticeChoicesHandlers(AccountsDbContext db, ITenantContext tenant)
    : IRequestHandler<GetNoticeChoices, IReadOnlyList<string>>, IRequestHandler<SaveNoticeChoices, Unit>
{
    public async Task<IReadOnlyList<string>> Handle(GetNoticeChoices request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        var muted = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.MutedNotices).SingleAsync(cancellationToken);
        return CompanyNotices.All.Select(n => n.Kind).Except(muted).ToList();
    }

    public async Task<Unit> Handle(SaveNoticeChoices request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        // Unknown kinds in a forged post are ignored: only the listed notices can be turned off.
        var muted = CompanyNotices.All.Select(n => n.Kind).Except(request.Wanted).ToArray();
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.MutedNotices, muted), cancellationToken);
        return Unit.Value;
    }
}

/// <summary>A campaign that stopped (Campaigns' outbox) is a notice to the company: it will not go on by itself.</summary>
internal sealed class NoticeOnCampaignNeedsAttention(IMediator mediator, PublicLinks links) : INotificationHandler<CampaignNeedsAttention>
{
    public Task Handle(CampaignNeedsAttention notification, CancellationToken cancellationToken) =>
        mediator.Send(new NotifyCompany(
            notification.CompanyId,
            CompanyNotices.CampaignNeedsAttention,
            $"Your campaign {notification.Name} needs attention",
            new EmailBody(
                "A campaign needs attention",
                [$"Your campaign {notification.Name} stopped: {notification.Reason}", "It does not go on by itself: open it to fix what stopped it and schedule it again."],
                new EmailAction("Open the campaign", links.To($"/Campaigns/Details/{notification.CampaignId}"))),
            $"notice.campaign-needs-attention:{notification.CampaignId}:{notification.EventId}"), cancellationToken);
}

/// <summary>
/// A campaign that finished (Campaigns' outbox) is a notice with its summary. The counters are those at completion:
/// receipts for messages already sent may still arrive, so the email says where the final figures are.
/// </summary>
internal sealed class NoticeOnCampaignFinished(IMediator mediator, PublicLinks links) : INotificationHandler<CampaignFinished>
{
    public Task Handle(CampaignFinished notification, CancellationToken cancellationToken)
    {
        var awaiting = notification.Submitted - notification.Delivered - notification.Failed - notification.Expired;
        var summary = string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{notification.Targeted:N0} recipients: {notification.Submitted:N0} sent, {notification.Delivered:N0} delivered, {notification.Failed:N0} failed, "
            + $"{notification.Expired:N0} without a receipt in time, {notification.Suppressed:N0} not sent (opted out), {notification.Unknown:N0} unknown (the carrier's answer was lost; not resent).");
        return mediator.Send(new NotifyCompany(
            notification.CompanyId,
            CompanyNotices.CampaignFinished,
            $"Your campaign {notification.Name} finished sending",
            new EmailBody(
                "A campaign finished sending",
                [
                    $"Your campaign {notification.Name} finished sending.",
                    summary,
                    awaiting > 0 ? $"Receipts for {awaiting:N0} messages may still arrive; the campaign's page shows the final figures." : "The campaign's page keeps these figures.",
                ],
                new EmailAction("Open the campaign", links.To($"/Campaigns/Details/{notification.CampaignId}"))),
            $"notice.campaign-finished:{notification.CampaignId}"), cancellationToken);
    }
}

/// <summary>
/// A card payment Billing credited (its outbox) is a receipt to the company: what was bought, what was paid, the invoice
/// number and a link to the invoice. Once per purchase, also when the event is delivered again.
/// </summary>
internal sealed class NoticeOnPaymentReceived(IMediator mediator, PublicLinks links) : INotificationHandler<PaymentReceived>
{
    public async Task Handle(PaymentReceived notification, CancellationToken cancellationToken)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var amount = string.Create(culture, $"{notification.AmountMinor / 100m:0.00} {notification.Currency.ToUpperInvariant()}");
        // The invoice itself goes with the receipt, as the PDF the billing page offers (the same document).
        var pdf = await mediator.Send(new GetInvoicePdf(notification.CompanyId, notification.PurchaseId), cancellationToken);
        await mediator.Send(new NotifyCompany(
            notification.CompanyId,
            CompanyNotices.PaymentReceived,
            $"Receipt for your payment of {amount} (invoice {notification.InvoiceNumber})",
            new EmailBody(
                "Payment received",
                [
                    string.Create(culture, $"Thank you: we received your card payment of {amount} on {notification.PaidAt:yyyy-MM-dd} for the {notification.Pack} pack."),
                    string.Create(culture, $"{notification.Credits:N0} credits were added; {notification.AvailableAfter:N0} credits were available right after."),
                    pdf is null
                        ? $"Invoice {notification.InvoiceNumber} is on your billing page, with the tax it included and the card as Stripe described it."
                        : $"Invoice {notification.InvoiceNumber} is attached as a PDF, and on your billing page.",
                ],
                new EmailAction("Open the invoice", links.To($"/Billing/Invoice/{notification.PurchaseId}"))),
            $"notice.payment-received:{notification.PurchaseId}",
            Attachments: pdf is null ? null : [new EmailAttachment(pdf.FileName, "application/pdf", pdf.Content)]), cancellationToken);
    }
}

/// <summary>
/// A balance that fell below the company's warning level (Billing's outbox, once per crossing) is a notice to buy credits
/// before a campaign stops for want of them.
/// </summary>
internal sealed class NoticeOnLowCreditBalance(IMediator mediator, PublicLinks links) : INotificationHandler<LowCreditBalance>
{
    public Task Handle(LowCreditBalance notification, CancellationToken cancellationToken)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return mediator.Send(new NotifyCompany(
            notification.CompanyId,
            CompanyNotices.LowBalance,
            string.Create(culture, $"Your credits are running low: {notification.Available:N0} left"),
            new EmailBody(
                "Credits running low",
                [
                    string.Create(culture, $"Your company has {notification.Available:N0} credits available, below the warning level of {notification.Threshold:N0} set on the Billing page."),
                    "A campaign that needs more credits than are available stops until you buy more. You can change or turn off the warning level on the Billing page.",
                ],
                new EmailAction("Buy credits", links.To("/Billing"))),
            $"notice.low-balance:{notification.EventId}"), cancellationToken);
    }
}

/// <summary>
/// A new price (Billing's outbox) concerns every company: each business user who has not turned the notice off is emailed
/// once per price (the dedup key names the event and the user), before it applies when it was scheduled ahead.
/// </summary>
internal sealed class NoticeOnPriceScheduled(AccountsDbContext db, IMediator mediator, PublicLinks links) : INotificationHandler<PriceScheduled>
{
    public async Task Handle(PriceScheduled notification, CancellationToken cancellationToken)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var where = notification.CountryCode == "*" ? "every country without a price of its own" : notification.CountryCode;
        var change = notification.PreviousCreditsPerSegment is { } before
            ? $"from {before.ToString(culture)} to {notification.CreditsPerSegment.ToString(culture)} credits"
            : $"{notification.CreditsPerSegment.ToString(culture)} credits";
        var body = new EmailBody(
            "A price changes",
            [
                string.Create(culture, $"From {notification.ValidFrom:yyyy-MM-dd HH:mm} UTC an SMS segment to {where} costs {change}."),
                "Campaigns scheduled before then keep the price they reserved credits at. The pricing page shows every price and what it costs in each pack.",
            ],
            new EmailAction("See the prices", links.To("/Billing/Prices")));
        // Streamed: every business user with an address who wants the notice, one email each.
        await foreach (var user in db.Users.AsNoTracking()
                           .Where(u => u.CompanyId != null && u.Email != null && !u.MutedNotices.Contains(CompanyNotices.PriceChange))
                           .OrderBy(u => u.Id)
                           .Select(u => new { u.Id, u.Email, u.FirstName, u.Surname })
                           .AsAsyncEnumerable()
                           .WithCancellation(cancellationToken))
        {
            await mediator.Send(new SendEmail(
                user.Email!,
                $"{user.FirstName} {user.Surname}",
                $"Price change for SMS to {where}",
                NotifyCompanyHandler.Personal(body, user.FirstName),
                $"notice.{CompanyNotices.PriceChange}",
                $"notice.price-change:{notification.EventId}:{user.Id}"), cancellationToken);
        }
    }
}
