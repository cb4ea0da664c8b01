using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.OptIns.Features;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Keywords;

internal sealed class KeywordDetailsModel(IMediator mediator) : PageModel
{
    public KeywordDetails? Details { get; private set; }

    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Details = await mediator.Send(new GetKeywordDetails(id, Before), cancellationToken);
        return Details is null ? NotFound() : Page();
    }

    /// <summary>Nothing is posted here; a stray post goes back to the page instead of rendering it half-loaded.</summary>
    public IActionResult OnPost() => RedirectToPage();
}
