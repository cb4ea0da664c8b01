using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.SenderIds.Features;

namespace Platform.Modules.SenderIds.Areas.SenderIds.Pages;

/// <summary>A supporting document for its company: always as an attachment, audited.</summary>
internal sealed class DocumentModel(IMediator mediator) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await mediator.Send(new OpenDocument(id), cancellationToken) is { } document
            ? DocumentResults.File(this, document, inline: false)
            : NotFound();
}

internal static class DocumentResults
{
    /// <summary>The stored (sniffed) type, nosniff, no caching; inline only for PDF, PNG and JPEG.</summary>
    public static IActionResult File(PageModel page, OpenedDocument document, bool inline)
    {
        var safeInline = inline && document.ContentType is "application/pdf" or "image/png" or "image/jpeg";
        page.Response.Headers["X-Content-Type-Options"] = "nosniff";
        page.Response.Headers.CacheControl = "no-store";
        page.Response.Headers.ContentDisposition = $"{(safeInline ? "inline" : "attachment")}; filename=\"{document.FileName}\"";
        return new FileStreamResult(document.Content, document.ContentType);
    }
}
