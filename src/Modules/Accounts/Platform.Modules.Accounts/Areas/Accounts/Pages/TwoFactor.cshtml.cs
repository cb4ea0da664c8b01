using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>
/// Two-factor authentication for the signed-in user (ADR 22): set an app up with the key or its QR code and a code from
/// it, see the recovery codes once; new recovery codes and turning it off ask for the password. Rate-limited like sign-in
/// (it checks passwords and codes). Each form binds its own prefix, so one form's empty fields are not another's errors.
/// </summary>
[Authorize]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class TwoFactorModel(IMediator mediator) : PageModel
{
    /// <summary>"admin" when the admin gate sent the user here.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Required { get; set; }

    public TwoFactorState State { get; private set; } = new(false, 0, null);

    public EnableTwoFactor Enable { get; private set; } = new();

    public NewRecoveryCodes Codes { get; private set; } = new();

    public DisableTwoFactor Disable { get; private set; } = new();

    /// <summary>Recovery codes just made: shown in this answer only, never again.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public bool IsAdmin => User.IsInRole(PlatformClaims.PlatformAdminRole);

    /// <summary>An admin whose session was not signed in with a second factor: the admin pages stay shut until it is.</summary>
    public bool AdminMustTurnItOn => IsAdmin && !TwoFactor.SignedInWithTwoFactors(User);

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public Task<IActionResult> OnPostEnableAsync([Bind(Prefix = nameof(Enable))] EnableTwoFactor enable, CancellationToken cancellationToken) =>
        ShowRecoveryCodesAsync(Enable = enable, nameof(Enable), cancellationToken);

    public Task<IActionResult> OnPostRecoveryCodesAsync([Bind(Prefix = nameof(Codes))] NewRecoveryCodes codes, CancellationToken cancellationToken) =>
        ShowRecoveryCodesAsync(Codes = codes, nameof(Codes), cancellationToken);

    public async Task<IActionResult> OnPostDisableAsync([Bind(Prefix = nameof(Disable))] DisableTwoFactor disable, CancellationToken cancellationToken)
    {
        Disable = disable;
        if (ModelState.IsValid && (await mediator.TrySendAsync(disable, ModelState, nameof(Disable), cancellationToken)).Ok)
        {
            Message = "Two-factor authentication is off. You were signed out everywhere else.";
            return RedirectToPage();
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>Answers with the new recovery codes in the page itself (no redirect, no copy in a cookie), or with the form's errors.</summary>
    private async Task<IActionResult> ShowRecoveryCodesAsync(IRequest<IReadOnlyList<string>> request, string prefix, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            (_, RecoveryCodes) = await mediator.TrySendAsync(request, ModelState, prefix, cancellationToken);
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        // The page carries the setup key or recovery codes: no copy of it in a cache.
        Response.Headers.CacheControl = "no-store";
        State = await mediator.Send(new GetTwoFactor(), cancellationToken);
    }
}
