using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>Where a finished sign-in goes, with a password alone or with a second factor: the local page asked for, else the admin's or the company's home.</summary>
internal static class SignInLanding
{
    public static async Task<IActionResult> RedirectAsync(PageModel page, UserManager<PlatformUser> users, PlatformUser? user, string? returnUrl)
    {
        if (!string.IsNullOrEmpty(returnUrl) && page.Url.IsLocalUrl(returnUrl))
        {
            return new LocalRedirectResult(returnUrl);
        }

        var isAdmin = user is not null && await users.IsInRoleAsync(user, PlatformClaims.PlatformAdminRole);
        return new RedirectResult(isAdmin ? "/Admin" : "/Dashboard");
    }
}
