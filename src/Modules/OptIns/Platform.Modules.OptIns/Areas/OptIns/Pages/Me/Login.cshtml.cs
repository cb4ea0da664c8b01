using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.OptIns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class SubscriberLoginModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public LoginSubscriber Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await mediator.Send(Input, cancellationToken);
        if (result.Status != SubscriberLoginStatus.Succeeded)
        {
            // One message for a wrong password, an unknown email and a lockout: the form must not reveal who has an account.
            ModelState.AddModelError(string.Empty, SignInMessages.Failed);
            return Page();
        }

        // Session-only: no expiry on the cookie, so it ends when the browser closes.
        await HttpContext.SignInAsync(OptInsModule.SubscriberScheme, SubscriberPageModel.Principal(result.SubscriberId!.Value, result.FirstName ?? string.Empty),
            new AuthenticationProperties { IsPersistent = false });
        return !string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? LocalRedirect(ReturnUrl) : RedirectToPage("/Me/Index");
    }
}
