using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Admin.Pages.Users;

/// <summary>
/// An admin finds a business user by email and ends all their sessions (a stolen laptop, a leaver): every browser of
/// theirs asks for the password at its next request. The host authorises the Admin area for platform admins only.
/// </summary>
internal sealed class IndexModel(UserManager<PlatformUser> users, IUserSessions sessions) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Email { get; set; }

    public PlatformUser? Found { get; private set; }

    public IReadOnlyList<UserSession> Sessions { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(Email) && Email.Length <= 256)
        {
            Found = await users.FindByEmailAsync(Email.Trim());
            if (Found is not null)
            {
                Sessions = await sessions.ListAsync(Found.Id, cancellationToken);
            }
        }
    }

    public async Task<IActionResult> OnPostEndSessionsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            Message = "No such user.";
            return RedirectToPage();
        }

        var ended = await sessions.EndAllAsync(user.Id, keepCurrent: false, cancellationToken);
        Message = $"{ended} session(s) of {user.Email} ended.";
        return RedirectToPage(new { email = user.Email });
    }
}
