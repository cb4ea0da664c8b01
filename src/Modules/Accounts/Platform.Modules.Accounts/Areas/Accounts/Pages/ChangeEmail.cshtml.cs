using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>The signed-in user asks to sign in with another address; rate-limited like sign-in (it checks the password).</summary>
[Authorize]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class ChangeEmailModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public RequestEmailChange Input { get; set; } = new();

    public bool Sent { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            (Sent, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        }

        return Page();
    }
}
