using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class LoginModel(SignInManager<PlatformUser> signIn, UserManager<PlatformUser> users) : PageModel
{
    [BindProperty]
    public LoginInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Set by the page that sent the person here (a password reset).</summary>
    [TempData]
    public string? LoginMessage { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        // Session-only cookie unless "remember me" is ticked: isPersistent decides whether it gets an expiry.
        var result = await signIn.PasswordSignInAsync(Input.Email.Trim(), Input.Password, Input.RememberMe, lockoutOnFailure: true);
        if (result.IsNotAllowed && await users.FindByEmailAsync(Input.Email.Trim()) is { } refused && await SuspensionToTellAsync(refused) is { } suspension)
        {
            ModelState.AddModelError(string.Empty, suspension);
            return Page();
        }

        if (result.RequiresTwoFactor)
        {
            // The password was right; Identity's short-lived two-factor cookie names the user until the code is given.
            return RedirectToPage("/LoginWith2fa", new { ReturnUrl, Input.RememberMe });
        }

        if (!result.Succeeded)
        {
            // One message for a wrong password, an unknown email and a lockout: the form must not reveal who has an account.
            ModelState.AddModelError(string.Empty, SignInMessages.Failed);
            return Page();
        }

        return await SignInLanding.RedirectAsync(this, users, await users.FindByEmailAsync(Input.Email.Trim()), ReturnUrl);
    }

    /// <summary>
    /// Identity refuses a suspended company's user before it checks the password, so the password is checked here, with
    /// the lockout counted as for anyone: the reason is told only to whoever typed the right one, and a suspended account
    /// cannot be used to guess passwords without being locked.
    /// </summary>
    private async Task<string?> SuspensionToTellAsync(PlatformUser user)
    {
        if (await users.IsLockedOutAsync(user))
        {
            return null;
        }

        if (!await users.CheckPasswordAsync(user, Input.Password))
        {
            await users.AccessFailedAsync(user);
            return null;
        }

        await users.ResetAccessFailedCountAsync(user);
        return await ((CompanySignInManager)signIn).SuspensionOfAsync(user);
    }
}

internal sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    public string Email { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your password.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = string.Empty;

    [Display(Name = "Remember me on this device")]
    public bool RememberMe { get; set; }
}
