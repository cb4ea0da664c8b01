using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.SenderIds.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.SenderIds.Areas.SenderIds.Pages;

internal sealed class DetailsModel(IMediator mediator) : PageModel
{
    public ApplicationDetails? Details { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Details = await mediator.Send(new GetApplication(id), cancellationToken);
        return Details is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostSubmitAsync(Guid id, CancellationToken cancellationToken)
    {
        var (ok, found) = await mediator.TrySendAsync(new SubmitApplication(id), ModelState, cancellationToken: cancellationToken);
        if (ok && found)
        {
            return RedirectToPage(new { id });
        }

        return await OnGetAsync(id, cancellationToken);
    }
}
