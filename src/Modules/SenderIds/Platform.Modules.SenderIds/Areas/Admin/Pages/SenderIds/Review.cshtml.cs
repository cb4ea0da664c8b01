using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.SenderIds.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.SenderIds.Areas.Admin.Pages.SenderIds;

[Authorize(Policy = "PlatformAdmin")]
internal sealed class ReviewModel(IMediator mediator) : PageModel
{
    public ApplicationDetails? Details { get; private set; }

    [BindProperty]
    public string? Reason { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Details = await mediator.Send(new GetApplication(id, AsAdmin: true), cancellationToken);
        return Details is null ? NotFound() : Page();
    }

    public Task<IActionResult> OnPostStartReviewAsync(Guid id, CancellationToken cancellationToken) => DecideAsync(id, ReviewAction.StartReview, cancellationToken);

    public Task<IActionResult> OnPostApproveAsync(Guid id, CancellationToken cancellationToken) => DecideAsync(id, ReviewAction.Approve, cancellationToken);

    public Task<IActionResult> OnPostRejectAsync(Guid id, CancellationToken cancellationToken) => DecideAsync(id, ReviewAction.Reject, cancellationToken);

    public Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken cancellationToken) => DecideAsync(id, ReviewAction.Revoke, cancellationToken);

    private async Task<IActionResult> DecideAsync(Guid id, ReviewAction action, CancellationToken cancellationToken)
    {
        var (ok, found) = await mediator.TrySendAsync(new DecideApplication(id, action, Reason), ModelState, prefix: string.Empty, cancellationToken: cancellationToken);
        if (ok && !found)
        {
            return NotFound();
        }

        return ok ? RedirectToPage(new { id }) : await OnGetAsync(id, cancellationToken);
    }
}
