using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Billing.Features;

namespace Platform.Modules.Billing.Areas.Billing.Pages;

/// <summary>A print-friendly invoice for one purchase, and the same as a PDF; 404 for anything but the company's own paid purchases.</summary>
internal sealed class InvoiceModel(IMediator mediator) : PageModel
{
    public InvoiceDocument Invoice { get; private set; } = null!;

    /// <param name="download">Serve the same page as a file to keep (Content-Disposition: attachment).</param>
    public async Task<IActionResult> OnGetAsync(Guid id, bool download, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetInvoiceDocument(id), cancellationToken) is not { } invoice)
        {
            return NotFound();
        }

        Invoice = invoice;
        if (download)
        {
            Response.Headers.ContentDisposition = $"attachment; filename=\"invoice-{Invoice.Number}.html\"";
        }

        return Page();
    }

    /// <summary>The invoice as a PDF file, with the same content as the page.</summary>
    public async Task<IActionResult> OnGetPdfAsync(Guid id, CancellationToken cancellationToken) =>
        await mediator.Send(new GetInvoiceDocument(id), cancellationToken) is { } invoice
            ? File(InvoicePdf.Render(invoice), "application/pdf", InvoicePdf.FileName(invoice))
            : NotFound();
}
