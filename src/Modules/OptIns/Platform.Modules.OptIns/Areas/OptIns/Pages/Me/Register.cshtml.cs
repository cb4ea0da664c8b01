using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Platform.Modules.OptIns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

/// <summary>A subscriber creates their account with the code texted to them (rate-limited like a sign-in: it checks a secret).</summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class SubscriberRegisterModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public RegisterSubscriber Input { get; set; } = new();

    public int MinimumAge => AgeRule.Minimum;

    public void OnGet(string? code) => Input.UserCode = code ?? string.Empty;

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        Input.BrowserCountry = PhoneCountries.FromBrowser(Request);
        var (ok, subscriberId) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (!ok)
        {
            // Never echo the password back into the form.
            Input.Password = Input.ConfirmPassword = string.Empty;
            return Page();
        }

        await HttpContext.SignInAsync(OptInsModule.SubscriberScheme, SubscriberPageModel.Principal(subscriberId, Input.FirstName.Trim()),
            new AuthenticationProperties { IsPersistent = false });
        return RedirectToPage("/Me/Index");
    }
}
