using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

[AllowAnonymous]
internal sealed class SubscriberLogoutModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Me/Login");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(OptInsModule.SubscriberScheme);
        return RedirectToPage("/Me/Login");
    }
}
