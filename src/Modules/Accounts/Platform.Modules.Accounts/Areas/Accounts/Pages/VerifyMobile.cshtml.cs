using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>A business user verifies their own mobile number with a code sent to it (campaign test messages go only there).</summary>
[Authorize]
internal sealed class VerifyMobileModel(UserManager<PlatformUser> users, MobileVerification verification, ITenantContext tenant) : PageModel
{
    [BindProperty]
    public string? Code { get; set; }

    public string? Phone { get; private set; }

    public bool Verified { get; private set; }

    public bool CodeSent { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? Challenge() : Page();

    public async Task<IActionResult> OnPostSendAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync() is not { } user)
        {
            return Challenge();
        }

        if (await verification.SendCodeAsync(user, cancellationToken) is { } problem)
        {
            ModelState.AddModelError(nameof(Code), problem);
            return Page();
        }

        CodeSent = true;
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync()
    {
        if (await LoadAsync() is not { } user)
        {
            return Challenge();
        }

        if (!await verification.ConfirmAsync(user, Code))
        {
            CodeSent = true;
            ModelState.AddModelError(nameof(Code), "That code is not right for your number, or it has expired. Check it, or send a new one.");
            return Page();
        }

        Message = $"Your mobile {user.PhoneNumber} is verified: campaign tests can be sent to it.";
        return RedirectToPage();
    }

    private async Task<PlatformUser?> LoadAsync()
    {
        var user = tenant.UserId is { } id ? await users.FindByIdAsync(id.ToString()) : null;
        Phone = user?.PhoneNumber;
        Verified = user?.PhoneNumberConfirmed == true;
        return user;
    }
}
