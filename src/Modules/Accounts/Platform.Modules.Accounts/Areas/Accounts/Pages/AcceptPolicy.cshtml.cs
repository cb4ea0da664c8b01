using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Domain;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>
/// Where a business user lands when the terms and privacy policy changed since they accepted them (see
/// <c>PolicyAcceptance</c>): they read and accept the new version, which is recorded on their account with the time,
/// and go on where they were going. Signed in is enough to see it: the company pages are what it unlocks.
/// </summary>
[Authorize]
internal sealed class AcceptPolicyModel(UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn, IOptions<AccountsOptions> options, TimeProvider clock) : PageModel
{
    public sealed class AcceptInput
    {
        [Range(typeof(bool), "true", "true", ErrorMessage = "Tick the box to accept the new terms and privacy policy, or sign out.")]
        [Display(Name = "I accept the terms and the privacy policy")]
        public bool Accept { get; set; }
    }

    [BindProperty]
    public AcceptInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string Version => options.Value.TermsVersion;

    public string? AcceptedVersion { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (user.TermsVersion == Version)
        {
            return await SignInLanding.RedirectAsync(this, users, user, ReturnUrl);
        }

        AcceptedVersion = user.TermsVersion;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (!ModelState.IsValid)
        {
            AcceptedVersion = user.TermsVersion;
            return Page();
        }

        user.TermsVersion = Version;
        user.TermsAcceptedAt = clock.GetUtcNow();
        var saved = await users.UpdateAsync(user);
        if (!saved.Succeeded)
        {
            ModelState.AddModelError(string.Empty, "Your acceptance could not be saved; try again.");
            return Page();
        }

        // The session's claim names the version now accepted, so the company pages open again.
        await signIn.RefreshSignInAsync(user);
        return await SignInLanding.RedirectAsync(this, users, user, ReturnUrl);
    }
}
