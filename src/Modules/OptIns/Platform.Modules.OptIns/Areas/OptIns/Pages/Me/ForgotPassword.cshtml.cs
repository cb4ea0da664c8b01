using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.OptIns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

/// <summary>A subscriber asks for a reset link. Rate-limited like sign-in; the same answer for every address.</summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class SubscriberForgotPasswordModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public RequestSubscriberPasswordReset Input { get; set; } = new();

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
