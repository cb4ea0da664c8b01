using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Privacy.Contracts;

namespace Platform.Modules.Billing.Features;

/// <summary>
/// Card numbers are typed into Stripe's checkout, never ours; Billing keeps what Stripe returns about a paid session:
/// the card's brand, last four digits and expiry, and the billing contact (name, email, billing address) printed on
/// the invoice. A business user's export lists their company's invoices, with the billing contact on those they paid
/// with their own email; erasure keeps invoices (tax law).
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
        var paidByYou = subject.Email is { Length: > 0 } email
            ? await db.Purchases.AsNoTracking()
                .Where(p => p.CompanyId == companyId && p.Status == PurchaseStatus.Paid && p.BillingEmail != null && p.BillingEmail.ToLower() == email.ToLower())
                .OrderBy(p => p.PaidAt)
                .Select(p => new
                {
                    p.InvoiceNumber,
                    p.BillingName,
                    p.BillingEmail,
                    p.BillingAddressLine1,
                    p.BillingAddressLine2,
                    p.BillingAddressCity,
                    p.BillingAddressPostalCode,
                    p.BillingAddressState,
                    p.BillingAddressCountry,
                    p.CardBrand,
                    p.CardLast4,
                })
                .ToListAsync(ct)
            : [];
        return new
        {
            companyInvoices = invoices,
            billingContactOnInvoices = paidByYou,
            note = "Card numbers are held by Stripe, our payment provider, not by us: we keep only the brand, last four digits and expiry.",
        };
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
