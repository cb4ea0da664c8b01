using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Features;

internal sealed record LedgerLine(long Id, DateTimeOffset At, string Kind, long AvailableChange, long ReservedChange, long AvailableAfter, long ReservedAfter, string? Reference, string? Reason);

internal sealed record PurchaseLine(
    Guid Id, DateTimeOffset CreatedAt, string Pack, long Credits, long AmountMinor, string Currency, string Status, string? InvoiceNumber, DateTimeOffset? PaidAt,
    long RefundedMinor = 0);

/// <summary>A refund's credit note as listed: what was refunded of which invoice, and the credits the ledger took back.</summary>
internal sealed record CreditNoteLine(
    Guid Id, string Number, DateTimeOffset At, string? InvoiceNumber, long AmountMinor, string Currency, long CreditsDue, long CreditsReversed, string? Reason, bool ByAdmin)
{
    public string Money => MoneyText.Of(AmountMinor, Currency);
}

internal static class CreditNotes
{
    /// <summary>A company's credit notes, newest first (a handful per company: one per refund).</summary>
    public static async Task<IReadOnlyList<CreditNoteLine>> ForCompanyAsync(BillingDbContext db, Guid companyId, CancellationToken cancellationToken) =>
        await db.Refunds.AsNoTracking()
            .Where(r => r.CompanyId == companyId)
            .OrderByDescending(r => r.CreatedAt)
            .Join(db.Purchases, r => r.PurchaseId, p => p.Id, (r, p) => new CreditNoteLine(
                r.Id, r.CreditNoteNumber, r.CreatedAt, p.InvoiceNumber, r.AmountMinor, r.Currency, r.CreditsDue, r.CreditsReversed, r.Reason, r.RefundedBy != null))
            .ToListAsync(cancellationToken);
}

internal sealed record BillingOverview(
    string Plan,
    int? MaxRecipientsPerCampaign,
    long Available,
    long Reserved,
    IReadOnlyList<LedgerLine> History,
    int Page,
    bool HasMore,
    IReadOnlyList<PurchaseLine> Purchases,
    long? LowBalanceThreshold,
    IReadOnlyList<CreditNoteLine> CreditNotes);

/// <summary>The signed-in company's billing page: plan, balance, history (newest first, paged) and purchases.</summary>
internal sealed record GetBillingOverview(int Page) : IRequest<BillingOverview>
{
    public const int PageSize = 20;
}

internal sealed class GetBillingOverviewHandler(BillingDbContext db, ITenantContext tenant) : IRequestHandler<GetBillingOverview, BillingOverview>
{
    public async Task<BillingOverview> Handle(GetBillingOverview request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var page = Math.Max(request.Page, 1);
        var account = await db.CreditAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.CompanyId == companyId, cancellationToken)
                      ?? new CreditAccount { CompanyId = companyId, LowBalanceThreshold = CreditAccount.DefaultLowBalanceThreshold };
        var history = await db.LedgerEntries.AsNoTracking()
            .Where(e => e.CompanyId == companyId)
            .OrderByDescending(e => e.Id)
            .Skip((page - 1) * GetBillingOverview.PageSize)
            .Take(GetBillingOverview.PageSize + 1)
            .Select(e => new LedgerLine(e.Id, e.CreatedAt, e.Kind, e.AvailableChange, e.ReservedChange, e.AvailableAfter, e.ReservedAfter, e.Reference, e.Reason))
            .ToListAsync(cancellationToken);
        var purchases = await db.Purchases.AsNoTracking()
            .Where(p => p.CompanyId == companyId && p.Status == PurchaseStatus.Paid)
            .OrderByDescending(p => p.PaidAt)
            .Select(p => new PurchaseLine(p.Id, p.CreatedAt, p.Pack, p.Credits, p.AmountMinor, p.Currency, p.Status, p.InvoiceNumber, p.PaidAt, p.RefundedMinor))
            .ToListAsync(cancellationToken);
        return new BillingOverview(account.Plan, account.MaxRecipientsPerCampaign, account.Available, account.Reserved,
            history.Take(GetBillingOverview.PageSize).ToList(), page, history.Count > GetBillingOverview.PageSize, purchases, account.LowBalanceThreshold,
            await CreditNotes.ForCompanyAsync(db, companyId, cancellationToken));
    }
}

/// <summary>
/// The signed-in company's low-balance warning level: its users are emailed when available credits fall below it
/// (<c>LowCreditBalance</c>, sent by the ledger); empty turns the warning off.
/// </summary>
internal sealed class SetLowBalanceWarning : IRequest<Unit>
{
    [Range(1, 1_000_000_000, ErrorMessage = "Enter a whole number of credits from 1 to 1,000,000,000, or leave it empty for no warning.")]
    public long? Credits { get; set; }
}

internal sealed class SetLowBalanceWarningHandler(BillingDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<SetLowBalanceWarning, Unit>
{
    public async Task<Unit> Handle(SetLowBalanceWarning request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await Ledger.LockAsync(db, companyId, clock.GetUtcNow(), cancellationToken);
        account.LowBalanceThreshold = request.Credits;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Unit.Value;
    }
}

/// <summary>An invoice: the purchase, the tax it included, the card as Stripe described it (brand, last four, expiry) and the billing contact.</summary>
internal sealed record InvoiceView(
    PurchaseLine Purchase,
    AppliedTax Tax,
    string? CardBrand,
    string? CardLast4,
    short? CardExpMonth,
    short? CardExpYear,
    string? BillingName,
    string? BillingEmail,
    IReadOnlyList<string> BillingAddress,
    string? BuyerTaxId = null)
{
    /// <summary>"Visa •••• 4242 (exp. 12/2034)", or null when Stripe told us nothing about the card.</summary>
    public string? Card => CardLast4 is null
        ? null
        : $"{Brand(CardBrand)} •••• {CardLast4}" + (CardExpMonth is { } m && CardExpYear is { } y ? $" (exp. {m:D2}/{y})" : string.Empty);

    private static string Brand(string? brand) => brand switch
    {
        null or "" => "Card",
        "amex" => "American Express",
        "diners" => "Diners Club",
        "jcb" => "JCB",
        _ => char.ToUpperInvariant(brand[0]) + brand[1..],
    };
}

/// <summary>One paid purchase's invoice, only for the company that made it (null otherwise, and the page answers 404).</summary>
internal sealed record GetInvoice(Guid PurchaseId) : IRequest<InvoiceView?>;

internal sealed class GetInvoiceHandler(BillingDbContext db, ITenantContext tenant, IOptions<BillingOptions> options) : IRequestHandler<GetInvoice, InvoiceView?>
{
    public Task<InvoiceView?> Handle(GetInvoice request, CancellationToken cancellationToken) =>
        Invoices.ViewAsync(db, tenant.RequireCompanyId(), request.PurchaseId, options.Value, cancellationToken);
}

internal static class Invoices
{
    /// <summary>One of the company's paid purchases as its invoice shows it; null when it is not one.</summary>
    public static async Task<InvoiceView?> ViewAsync(BillingDbContext db, Guid companyId, Guid purchaseId, BillingOptions options, CancellationToken cancellationToken)
    {
        var p = await db.Purchases.AsNoTracking()
            .SingleOrDefaultAsync(p => p.Id == purchaseId && p.CompanyId == companyId && p.Status == PurchaseStatus.Paid, cancellationToken);
        if (p is null)
        {
            return null;
        }

        string?[] lines =
        [
            p.BillingAddressLine1,
            p.BillingAddressLine2,
            string.Join(' ', new[] { p.BillingAddressPostalCode, p.BillingAddressCity }.Where(s => !string.IsNullOrEmpty(s))),
            p.BillingAddressState,
            p.BillingAddressCountry,
        ];
        // What was stored at checkout; purchases from before that have none, and show the configured default (0005_purchase_tax.sql).
        var tax = p is { TaxRatePercent: { } rate, TaxLabel: { } label }
            ? new AppliedTax(p.TaxCountry, rate, label)
            : TaxRates.Default(options);
        return new InvoiceView(
            new PurchaseLine(p.Id, p.CreatedAt, p.Pack, p.Credits, p.AmountMinor, p.Currency, p.Status, p.InvoiceNumber, p.PaidAt),
            tax,
            p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear, p.BillingName, p.BillingEmail,
            lines.Where(l => !string.IsNullOrEmpty(l)).Select(l => l!).ToList(),
            p.BuyerTaxId);
    }
}
