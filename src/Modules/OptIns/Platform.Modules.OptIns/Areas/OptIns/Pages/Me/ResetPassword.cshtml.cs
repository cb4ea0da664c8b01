using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.OptIns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

/// <summary>A subscriber's reset link: says at once when it no longer works, else takes the new password.</summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class SubscriberResetPasswordModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public ResetSubscriberPassword Input { get; set; } = new();

    public bool LinkWorks { get; private set; }

    public bool Done { get; private set; }

    public async Task OnGetAsync(string? token, CancellationToken cancellationToken)
    {
        Input.Token = token ?? string.Empty;
        LinkWorks = !string.IsNullOrEmpty(token) && token.Length <= 2000 && await mediator.Send(new CheckSubscriberResetLink(token), cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        LinkWorks = true;
        if (ModelState.IsValid)
        {
            (Done, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            LinkWorks = ModelState.GetFieldValidationState($"{nameof(Input)}.{nameof(Input.Token)}") != ModelValidationState.Invalid;
        }

        return Page();
    }
}
