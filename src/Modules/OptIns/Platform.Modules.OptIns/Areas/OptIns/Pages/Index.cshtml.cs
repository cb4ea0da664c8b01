using MediatR;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.OptIns.Features;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages;

/// <summary>The company's keywords with their counters (the area is for company users: the host's convention).</summary>
internal sealed class IndexModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<KeywordSummary> Keywords { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Keywords = await mediator.Send(new ListKeywords(), cancellationToken);
}
