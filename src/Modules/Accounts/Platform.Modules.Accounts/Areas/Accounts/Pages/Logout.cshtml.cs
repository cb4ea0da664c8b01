using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Domain;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>Logging out is a POST (with the antiforgery token), so a link on another site cannot do it.</summary>
internal sealed class LogoutModel(SignInManager<PlatformUser> signIn) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await signIn.SignOutAsync();
        return Redirect("/");
    }
}
