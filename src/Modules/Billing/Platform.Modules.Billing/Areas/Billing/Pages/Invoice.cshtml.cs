using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Billing.Features;

namespace Platform.Modules.Billing.Areas.Billing.Pages;

/// <summary>A print-friendly invoice for one purchase; 404 for anything but the company's own paid purchases.</summary>
internal sealed class InvoiceModel(IMediator mediator) : PageModel
{
    public PurchaseLine Invoice { get; private set; } = null!;

    public InvoiceView Details { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var invoice = await mediator.Send(new GetInvoice(id), cancellationToken);
        if (invoice is null)
        {
            return NotFound();
        }

        Details = invoice;
        Invoice = invoice.Purchase;
        return Page();
    }
}
