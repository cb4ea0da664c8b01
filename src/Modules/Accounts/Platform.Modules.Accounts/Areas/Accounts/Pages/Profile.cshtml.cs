using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
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

    /// <summary>Shown when the saved mobile number is possible but outside the ranges its country allocates (a warning, never a refusal).</summary>
    public string? MobileWarning { get; private set; }

    public async Task OnGetAsync(bool saved, CancellationToken cancellationToken)
    {
        Input = await mediator.Send(new GetProfile(), cancellationToken);
        Saved = saved;
        if (Input.ParsedMobileNumber() is { IsTaken: true, IsAllocated: false })
        {
            MobileWarning = "This mobile number is not in a range its country has given out. Check it: texts to it may not arrive.";
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        // The company's country as stored, never as posted: it is the country the form showed the number in.
        Input.CompanyCountry = (await mediator.Send(new GetProfile(), cancellationToken)).CompanyCountry;
        var (ok, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        return ok ? RedirectToPage(new { saved = true }) : Page();
    }
}
