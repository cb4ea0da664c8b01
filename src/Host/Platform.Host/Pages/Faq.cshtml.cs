using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Platform.Host.Pages;

/// <summary>Questions businesses and the people they text ask, answered with what the platform really does.</summary>
[AllowAnonymous]
internal sealed class FaqModel : PageModel
{
    public void OnGet()
    {
    }
}
