using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>The reset link's page: says at once when the link no longer works, else takes the new password.</summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class ResetPasswordModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public ResetPassword Input { get; set; } = new();

    public bool LinkWorks { get; private set; }

    [TempData]
    public string? LoginMessage { get; set; }

    public async Task OnGetAsync(Guid? user, string? token, CancellationToken cancellationToken)
    {
        Input.UserId = user ?? Guid.Empty;
        Input.Token = token ?? string.Empty;
        LinkWorks = user is not null && !string.IsNullOrEmpty(token) && token.Length <= 2000
            && await mediator.Send(new CheckPasswordResetLink(user.Value, token), cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        LinkWorks = true;
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var (ok, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (!ok)
        {
            LinkWorks = ModelState.GetFieldValidationState($"{nameof(Input)}.{nameof(Input.Token)}") != ModelValidationState.Invalid;
            return Page();
        }

        LoginMessage = "Your password is changed. Log in with the new one.";
        return RedirectToPage("/Login", new { area = "Accounts" });
    }
}
