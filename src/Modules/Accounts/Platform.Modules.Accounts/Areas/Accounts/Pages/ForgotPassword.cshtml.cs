using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>Asks for a reset link. Rate-limited like sign-in; the answer is the same for every address (no enumeration).</summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class ForgotPasswordModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public RequestPasswordReset Input { get; set; } = new();

    public bool Sent { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var (ok, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        Sent = ok;
        return Page();
    }
}
