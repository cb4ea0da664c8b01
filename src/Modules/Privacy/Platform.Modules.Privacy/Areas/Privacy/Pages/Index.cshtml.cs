using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Privacy.Features;

namespace Platform.Modules.Privacy.Areas.Privacy.Pages;

/// <summary>The privacy policy at /privacy, for anyone: versioned text, the generated inventory, the cookie notice.</summary>
[AllowAnonymous]
internal sealed class PrivacyPolicyModel(PersonalDataInventory inventory) : PageModel
{
    public PersonalDataInventory Inventory => inventory;

    public void OnGet()
    {
    }
}
