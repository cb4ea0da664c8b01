using System.Security.Claims;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Platform.Modules.Privacy.Contracts;

namespace Platform.Modules.Privacy.Areas.Privacy.Pages;

/// <summary>A business user's data: any signed-in Identity user (company users and admins).</summary>
[Authorize]
internal sealed class AccountDataModel(IMediator mediator) : MyDataPageModel(mediator)
{
    protected override DataSubjectKind Kind => DataSubjectKind.BusinessUser;

    public override string AccountUrl => "/Accounts/Profile";

    protected override Task<Guid?> SignedInSubjectAsync() =>
        Task.FromResult(Guid.TryParse(User.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : (Guid?)null);

    protected override IActionResult ChallengeSignIn() => Challenge();

    protected override Task SignOutAsync() => HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
}
