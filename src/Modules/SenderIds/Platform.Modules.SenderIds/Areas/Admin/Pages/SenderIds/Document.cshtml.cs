using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.SenderIds.Areas.SenderIds.Pages;
using Platform.Modules.SenderIds.Features;

namespace Platform.Modules.SenderIds.Areas.Admin.Pages.SenderIds;

/// <summary>A supporting document for the reviewer, shown in the browser (PDF, PNG, JPEG only), audited.</summary>
[Authorize(Policy = "PlatformAdmin")]
internal sealed class AdminDocumentModel(IMediator mediator) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await mediator.Send(new OpenDocument(id, AsAdmin: true), cancellationToken) is { } document
            ? DocumentResults.File(this, document, inline: true)
            : NotFound();
}
