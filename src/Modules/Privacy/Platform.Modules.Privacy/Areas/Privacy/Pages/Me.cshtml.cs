using System.Security.Claims;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.Privacy.Contracts;

namespace Platform.Modules.Privacy.Areas.Privacy.Pages;

/// <summary>
/// An end user's (subscriber's) data. The host authorises the Privacy area for company users, so this page opts out
/// ([AllowAnonymous]) and requires the Subscriber cookie itself.
/// </summary>
[AllowAnonymous]
internal sealed class SubscriberDataModel(IMediator mediator) : MyDataPageModel(mediator)
{
    protected override DataSubjectKind Kind => DataSubjectKind.Subscriber;

    public override string AccountUrl => "/OptIns/Me/Profile";

    protected override async Task<Guid?> SignedInSubjectAsync()
    {
        var result = await HttpContext.AuthenticateAsync(SubscriberSession.Scheme);
        return result.Succeeded && Guid.TryParse(result.Principal.FindFirstValue(SubscriberSession.SubscriberIdClaim), out var id) ? id : null;
    }

    protected override IActionResult ChallengeSignIn() => Challenge(SubscriberSession.Scheme);

    protected override Task SignOutAsync() => HttpContext.SignOutAsync(SubscriberSession.Scheme);
}
