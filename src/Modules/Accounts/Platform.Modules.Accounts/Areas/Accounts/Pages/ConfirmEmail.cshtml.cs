using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>
/// The confirmation link's page (it confirms on opening: the link is the proof, and opening it twice is harmless), and
/// the banner's "Send the link again" for a signed-in user whose address is not confirmed yet.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class ConfirmEmailModel(IMediator mediator, ITenantContext tenant) : PageModel
{
    /// <summary>Whether the opened link confirmed the address (false: broken or expired).</summary>
    public bool Confirmed { get; private set; }

    public bool SignedIn => tenant.UserId is not null;

    public string LifetimeText => AddressConfirmationLinks.LifetimeText;

    /// <summary>What the page that the banner sits on says after "Send the link again".</summary>
    [TempData]
    public string? ConfirmationMessage { get; set; }

    public async Task OnGetAsync(Guid? user, string? token, CancellationToken cancellationToken) =>
        Confirmed = user is { } userId && !string.IsNullOrEmpty(token)
            && await mediator.Send(new ConfirmAddress(userId, token), cancellationToken);

    public async Task<IActionResult> OnPostResendAsync(string? returnUrl, CancellationToken cancellationToken)
    {
        if (tenant.UserId is not { } userId)
        {
            return Challenge();
        }

        await mediator.Send(new SendAddressConfirmation(userId, AddressConfirmationReason.Resend), cancellationToken);
        ConfirmationMessage = $"We have sent a new link to {User.Identity?.Name}. It works for {LifetimeText}.";
        return LocalRedirect(!string.IsNullOrEmpty(returnUrl) && Url.IsLocalUrl(returnUrl) ? returnUrl : "/Dashboard");
    }
}
