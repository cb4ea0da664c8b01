using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>The link sent to the new address: opening it makes the change (the link is the proof of the new mailbox).</summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class ConfirmEmailChangeModel(IMediator mediator) : PageModel
{
    public bool Changed { get; private set; }

    public async Task OnGetAsync(Guid? user, string? email, string? token, CancellationToken cancellationToken) =>
        Changed = user is { } userId && !string.IsNullOrEmpty(email) && !string.IsNullOrEmpty(token)
            && await mediator.Send(new ConfirmEmailChange(userId, email.Trim(), token), cancellationToken);
}
