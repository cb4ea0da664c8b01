using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Contracts;
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

    /// <summary>The companies of the queue by name (one query to Accounts for the page): admins see names, not ids.</summary>
    public IReadOnlyDictionary<Guid, string> CompanyNames { get; private set; } = new Dictionary<Guid, string>();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Queue = await mediator.Send(new GetReviewQueue(Country?.Trim(), Status), cancellationToken);
        CompanyNames = (await mediator.Send(new GetCompanies(Queue.Select(a => a.CompanyId).Distinct().ToList()), cancellationToken))
            .ToDictionary(c => c.Id, c => c.Name);
    }
}
