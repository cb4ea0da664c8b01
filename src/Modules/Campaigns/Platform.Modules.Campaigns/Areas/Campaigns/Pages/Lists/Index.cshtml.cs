using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Lists;

/// <summary>The company's contact lists with their counters, and a form for a new one.</summary>
internal sealed class IndexModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public SaveContactList Input { get; set; } = new();

    public IReadOnlyList<ContactListSummary> Lists { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Lists = await mediator.Send(new ListContactLists(), cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Input.Id = null;
        if (ModelState.IsValid)
        {
            var (ok, id) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            if (ok)
            {
                return RedirectToPage("/Lists/Details", new { id });
            }
        }

        Lists = await mediator.Send(new ListContactLists(), cancellationToken);
        return Page();
    }
}
