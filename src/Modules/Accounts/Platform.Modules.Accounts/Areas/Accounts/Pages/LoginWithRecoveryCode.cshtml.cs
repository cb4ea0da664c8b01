using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>A recovery code instead of the app's code (a lost phone): each works once.</summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class LoginWithRecoveryCodeModel(SignInManager<PlatformUser> signIn, UserManager<PlatformUser> users) : SecondFactorPageModel(signIn, users)
{
    protected override async Task<Microsoft.AspNetCore.Identity.SignInResult> SignInAsync(SignInManager<PlatformUser> signIn, UserManager<PlatformUser> users, PlatformUser user)
    {
        var result = await signIn.TwoFactorRecoveryCodeSignInAsync(TwoFactor.RecoveryCode(Input.Code));
        if (result is { Succeeded: false, IsLockedOut: false, IsNotAllowed: false })
        {
            // Identity does not count wrong recovery codes; here they count like wrong app codes, so guessing them locks the account too.
            await users.AccessFailedAsync(user);
        }

        return result;
    }

    protected override string Wrong(LockoutOptions lockout) => TwoFactor.WrongRecoveryCode(lockout);
}
