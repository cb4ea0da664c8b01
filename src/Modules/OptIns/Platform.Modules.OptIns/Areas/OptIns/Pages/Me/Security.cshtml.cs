using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

/// <summary>Where the subscriber is signed in, and "sign out everywhere" (ADR 21).</summary>
internal sealed class SubscriberSecurityModel(IUserSessions sessions) : SubscriberPageModel
{
    public IReadOnlyList<UserSession> Sessions { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Sessions = await sessions.ListAsync(OptInsModule.SubscriberScheme, SubscriberId.ToString(), cancellationToken);

    /// <summary>Every session of the subscriber ends, this one too.</summary>
    public async Task<IActionResult> OnPostSignOutEverywhereAsync(CancellationToken cancellationToken)
    {
        await sessions.EndAllAsync(OptInsModule.SubscriberScheme, SubscriberId.ToString(), keepCurrent: false, cancellationToken);
        await HttpContext.SignOutAsync(OptInsModule.SubscriberScheme);
        return RedirectToPage("/Me/Login");
    }
}
