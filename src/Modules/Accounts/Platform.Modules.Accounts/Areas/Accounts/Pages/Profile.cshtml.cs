using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Rendering;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

[Authorize]
internal sealed class ProfileModel(IMediator mediator, ITenantContext tenant) : PageModel
{
    [BindProperty]
    public UpdateProfile Input { get; set; } = new();

    public bool Saved { get; private set; }

    public bool IsOwner => tenant.IsOwner;

    public IEnumerable<SelectListItem> Sectors => MarketSectors.All.Select(s => new SelectListItem(s, s));

    public async Task OnGetAsync(bool saved, CancellationToken cancellationToken)
    {
        Input = await mediator.Send(new GetProfile(), cancellationToken);
        Saved = saved;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var (ok, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        return ok ? RedirectToPage(new { saved = true }) : Page();
    }
}
