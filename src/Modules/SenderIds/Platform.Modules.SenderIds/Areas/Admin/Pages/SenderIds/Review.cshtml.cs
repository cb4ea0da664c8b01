using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.SenderIds.Domain;
using Platform.Modules.SenderIds.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.SenderIds.Areas.Admin.Pages.SenderIds;

[Authorize(Policy = "PlatformAdmin")]
internal sealed class ReviewModel(IMediator mediator, ITenantContext tenant) : PageModel
{
    public ApplicationDetails? Details { get; private set; }

    /// <summary>The applying company by name, from Accounts.</summary>
    public string CompanyName { get; private set; } = string.Empty;

    [BindProperty]
    public string? Reason { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Details = await mediator.Send(new GetApplication(id, AsAdmin: true), cancellationToken);
        if (Details is null)
        {
            return NotFound();
        }

        CompanyName = (await mediator.Send(new GetCompany(Details.Application.CompanyId), cancellationToken))?.Name ?? "(company deleted)";

        // The history shows the company's people by email: each view is a staff access to their data, recorded
        // before it is shown (docs/privacy.md), with the review as its reason.
        var staff = tenant.UserId ?? throw new UnauthorizedAccessException("A platform admin is signed in on this page.");
        foreach (var person in Details.History.Where(t => t.ActorRole == TransitionActors.Company).Select(t => t.ActorId).Distinct())
        {
            await mediator.Send(new RecordStaffAccess(staff, DataSubjectKind.BusinessUser, person,
                $"Sender ID review: {Details.Application.SenderId} (application {id})"), cancellationToken);
        }

        return Page();
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
