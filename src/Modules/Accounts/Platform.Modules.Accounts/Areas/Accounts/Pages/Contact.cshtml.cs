using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>
/// The public Contact page: anyone writes to the platform's support (a visitor with a name and an email address, a
/// signed-in user as themself); the message becomes a ticket, acknowledged by email. Posts are rate-limited per address.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class ContactModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public OpenTicket Input { get; set; } = new();

    [TempData]
    public string? Sent { get; set; }

    public bool SignedIn => User.Identity?.IsAuthenticated == true;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var (ok, created) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            if (ok)
            {
                Sent = $"Thank you. Your request is #{created!.Number}; we answer by email, usually within one working day.";
                return RedirectToPage();
            }
        }

        return Page();
    }
}
