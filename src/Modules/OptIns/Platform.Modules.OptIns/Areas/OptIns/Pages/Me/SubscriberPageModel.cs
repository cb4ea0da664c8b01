using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

/// <summary>
/// Pages for signed-in subscribers. The host authorises the OptIns area for company users, so these pages opt out of
/// that ([AllowAnonymous]) and require the Subscriber cookie scheme themselves: no cookie → the subscriber login page.
/// </summary>
[AllowAnonymous]
internal abstract class SubscriberPageModel : PageModel
{
    public const string SubscriberIdClaim = Contracts.SubscriberSession.SubscriberIdClaim;

    public Guid SubscriberId { get; private set; }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var result = await HttpContext.AuthenticateAsync(OptInsModule.SubscriberScheme);
        if (!result.Succeeded || !Guid.TryParse(result.Principal.FindFirstValue(SubscriberIdClaim), out var id))
        {
            context.Result = Challenge(OptInsModule.SubscriberScheme);
            return;
        }

        SubscriberId = id;
        await next();
    }

    public static ClaimsPrincipal Principal(Guid subscriberId, string firstName) =>
        new(new ClaimsIdentity(
            [new Claim(SubscriberIdClaim, subscriberId.ToString()), new Claim(ClaimTypes.GivenName, firstName)],
            OptInsModule.SubscriberScheme));
}
