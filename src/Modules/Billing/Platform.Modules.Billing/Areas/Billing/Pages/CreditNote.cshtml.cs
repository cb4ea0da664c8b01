using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Billing.Features;

namespace Platform.Modules.Billing.Areas.Billing.Pages;

/// <summary>A print-friendly credit note for one refund, and the same as a PDF; 404 for anything but the company's own.</summary>
internal sealed class CreditNoteModel(IMediator mediator) : PageModel
{
    public CreditNoteDocument Note { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetCreditNoteDocument(id), cancellationToken) is not { } note)
        {
            return NotFound();
        }

        Note = note;
        return Page();
    }

    /// <summary>The credit note as a PDF file, with the same content as the page.</summary>
    public async Task<IActionResult> OnGetPdfAsync(Guid id, CancellationToken cancellationToken) =>
        await mediator.Send(new GetCreditNoteDocument(id), cancellationToken) is { } note
            ? File(InvoicePdf.Render(note), "application/pdf", $"credit-note-{note.Number}.pdf")
            : NotFound();
}
