using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Features;

internal sealed record LedgerLine(long Id, DateTimeOffset At, string Kind, long AvailableChange, long ReservedChange, long AvailableAfter, long ReservedAfter, string? Reference, string? Reason);

internal sealed record PurchaseLine(Guid Id, DateTimeOffset CreatedAt, string Pack, long Credits, long AmountMinor, string Currency, string Status, string? InvoiceNumber, DateTimeOffset? PaidAt);

internal sealed record BillingOverview(
    string Plan,
    int? MaxRecipientsPerCampaign,
    long Available,
    long Reserved,
    IReadOnlyList<LedgerLine> History,
    int Page,
    bool HasMore,
    IReadOnlyList<PurchaseLine> Purchases);

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
                      ?? new CreditAccount { CompanyId = companyId };
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
            .Select(p => new PurchaseLine(p.Id, p.CreatedAt, p.Pack, p.Credits, p.AmountMinor, p.Currency, p.Status, p.InvoiceNumber, p.PaidAt))
            .ToListAsync(cancellationToken);
        return new BillingOverview(account.Plan, account.MaxRecipientsPerCampaign, account.Available, account.Reserved,
            history.Take(GetBillingOverview.PageSize).ToList(), page, history.Count > GetBillingOverview.PageSize, purchases);
    }
}

/// <summary>One paid purchase's invoice, only for the company that made it (null otherwise, and the page answers 404).</summary>
internal sealed record GetInvoice(Guid PurchaseId) : IRequest<PurchaseLine?>;

internal sealed class GetInvoiceHandler(BillingDbContext db, ITenantContext tenant) : IRequestHandler<GetInvoice, PurchaseLine?>
{
    public async Task<PurchaseLine?> Handle(GetInvoice request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.Purchases.AsNoTracking()
            .Where(p => p.Id == request.PurchaseId && p.CompanyId == companyId && p.Status == PurchaseStatus.Paid)
            .Select(p => new PurchaseLine(p.Id, p.CreatedAt, p.Pack, p.Credits, p.AmountMinor, p.Currency, p.Status, p.InvoiceNumber, p.PaidAt))
            .SingleOrDefaultAsync(cancellationToken);
    }
}
