using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Platform.Host.Pages;

/// <summary>What the platform is and how it treats the people who get its messages.</summary>
[AllowAnonymous]
internal sealed class AboutModel : PageModel
{
    public void OnGet()
    {
    }
}
