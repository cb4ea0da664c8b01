using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.SenderIds.Features;

namespace Platform.Modules.SenderIds.Areas.Admin.Pages.SenderIds;

/// <summary>The review queue; lives in the host's Admin area (policy PlatformAdmin) and says so itself too.</summary>
[Authorize(Policy = "PlatformAdmin")]
internal sealed class ReviewQueueModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Country { get; set; }

    public IReadOnlyList<ApplicationSummary> Queue { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Queue = await mediator.Send(new GetReviewQueue(Country?.Trim(), Status), cancellationToken);
}
