using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Privacy.Contracts;

namespace Platform.Modules.Billing.Features;

/// <summary>
/// Billing stores no personal data: card details, the payer's name, email and billing address are typed into Stripe's
/// checkout, never ours. A business user's export lists their company's invoices; erasure keeps them (tax law).
/// </summary>
internal sealed class BillingPersonalData(BillingDbContext db) : IPersonalDataContributor
{
    public string Module => BillingModule.Name;

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Kind != DataSubjectKind.BusinessUser || subject.CompanyId is not { } companyId)
        {
            return null;
        }

        var invoices = await db.Purchases.AsNoTracking()
            .Where(p => p.CompanyId == companyId && p.Status == PurchaseStatus.Paid)
            .OrderBy(p => p.PaidAt)
            .Select(p => new { p.InvoiceNumber, p.Pack, p.Credits, p.AmountMinor, p.Currency, p.PaidAt })
            .ToListAsync(ct);
        return new { companyInvoices = invoices, note = "Card and billing details are held by Stripe, our payment provider, not by us." };
    }

    public async Task<ErasureOutcome> EraseAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Kind != DataSubjectKind.BusinessUser || subject.CompanyId is not { } companyId
            || !await db.Purchases.AnyAsync(p => p.CompanyId == companyId && p.Status == PurchaseStatus.Paid, ct))
        {
            return ErasureOutcome.Nothing(Module);
        }

        return new ErasureOutcome(Module, 0,
            ["Your company's invoices (number, amount, date, the company they are for — not your name or card): tax law requires us to keep them for 10 years."]);
    }
}
