using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Areas.Billing.Pages;

/// <summary>A print-friendly invoice for one purchase; 404 for anything but the company's own paid purchases.</summary>
internal sealed class InvoiceModel(IMediator mediator, ITenantContext tenant, IOptions<BillingOptions> options) : PageModel
{
    public InvoiceOptions Seller => options.Value.Invoice;

    public string CompanyName { get; private set; } = string.Empty;

    /// <summary>The buyer's country by name: the one the tax was chosen for, else (purchases from before that) the company's now.</summary>
    public string? BuyerCountry { get; private set; }

    /// <summary>Net, tax and gross in the currency's minor unit: prices include the tax, as stored on the purchase.</summary>
    public (long Net, long Tax, long Gross) Amounts { get; private set; }

    public PurchaseLine Invoice { get; private set; } = null!;

    public InvoiceView Details { get; private set; } = null!;

    /// <param name="download">Serve the same page as a file to keep (Content-Disposition: attachment).</param>
    public async Task<IActionResult> OnGetAsync(Guid id, bool download, CancellationToken cancellationToken)
    {
        var invoice = await mediator.Send(new GetInvoice(id), cancellationToken);
        if (invoice is null)
        {
            return NotFound();
        }

        Details = invoice;
        Invoice = invoice.Purchase;
        var company = await mediator.Send(new GetCompany(tenant.RequireCompanyId()), cancellationToken);
        CompanyName = company?.Name ?? string.Empty;
        var country = invoice.Tax.Country ?? company?.Country;
        BuyerCountry = PhoneCountries.Find(country)?.Name ?? country;
        var (net, tax) = invoice.Tax.Split(Invoice.AmountMinor);
        Amounts = (net, tax, Invoice.AmountMinor);
        if (download)
        {
            Response.Headers.ContentDisposition = $"attachment; filename=\"invoice-{Invoice.InvoiceNumber}.html\"";
        }

        return Page();
    }
}
