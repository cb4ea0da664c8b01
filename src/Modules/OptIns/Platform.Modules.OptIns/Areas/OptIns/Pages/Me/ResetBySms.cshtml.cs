using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.OptIns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

/// <summary>
/// "Forgot your password?" by text: the user code and number, then the texted code and a new password. Rate-limited
/// like sign-in; the first step answers the same whether or not the pair has an account.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class SubscriberResetBySmsModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public ResetPasswordBySms Input { get; set; } = new();

    /// <summary>The code was asked for: the page shows the second step.</summary>
    public bool CodeAsked { get; private set; }

    public bool Done { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostSendAsync(CancellationToken cancellationToken)
    {
        // Only the first step's fields are checked now; the second step's are empty on purpose.
        foreach (var key in new[] { nameof(Input.Code), nameof(Input.Password), nameof(Input.ConfirmPassword) })
        {
            ModelState.Remove($"{nameof(Input)}.{key}");
        }

        if (ModelState.IsValid)
        {
            var request = new RequestSmsResetCode { UserCode = Input.UserCode, MobileNumber = Input.MobileNumber, BrowserCountry = PhoneCountries.FromBrowser(Request) };
            (CodeAsked, _) = await mediator.TrySendAsync(request, ModelState, cancellationToken: cancellationToken);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostResetAsync(CancellationToken cancellationToken)
    {
        CodeAsked = true;
        Input.BrowserCountry = PhoneCountries.FromBrowser(Request);
        if (ModelState.IsValid)
        {
            (Done, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        }

        return Page();
    }
}
