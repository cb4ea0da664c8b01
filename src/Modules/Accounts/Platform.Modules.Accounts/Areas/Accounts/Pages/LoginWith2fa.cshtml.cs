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

/// <summary>
/// The second step of a sign-in for a user with two-factor on (ADR 22): the password was right, Identity's two-factor
/// cookie names the user for a few minutes, and a code finishes it. Rate-limited and antiforgery-checked like the login;
/// every wrong code counts towards the account's lockout. Each page says so with <see cref="AllowAnonymousAttribute"/> and
/// <see cref="EnableRateLimitingAttribute"/> itself, as the login does.
/// </summary>
internal abstract class SecondFactorPageModel(SignInManager<PlatformUser> signIn, UserManager<PlatformUser> users) : PageModel
{
    [BindProperty]
    public SecondFactorInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool RememberMe { get; set; }

    /// <summary>Shown when the user's two-factor step had lapsed (or never began) and the password is asked for again.</summary>
    public const string Lapsed = "Your sign-in waited too long for the code. Enter your password again.";

    public async Task<IActionResult> OnGetAsync() =>
        await signIn.GetTwoFactorAuthenticationUserAsync() is null ? BackToLogin() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await signIn.GetTwoFactorAuthenticationUserAsync() is not { } user)
        {
            return BackToLogin();
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await SignInAsync(signIn, users, user);
        if (result.Succeeded)
        {
            return await SignInLanding.RedirectAsync(this, users, user, ReturnUrl);
        }

        // A company suspended between the two steps: the password and the person are known, so the reason is told.
        var suspension = result.IsNotAllowed ? await ((CompanySignInManager)signIn).SuspensionOfAsync(user) : null;
        // A wrong code and a lockout get the one message, which names the lockout.
        ModelState.AddModelError(string.Empty, suspension ?? Wrong(users.Options.Lockout));
        return Page();
    }

    protected abstract Task<Microsoft.AspNetCore.Identity.SignInResult> SignInAsync(SignInManager<PlatformUser> signIn, UserManager<PlatformUser> users, PlatformUser user);

    protected abstract string Wrong(LockoutOptions lockout);

    private RedirectToPageResult BackToLogin()
    {
        TempData[nameof(LoginModel.LoginMessage)] = Lapsed;
        return RedirectToPage("/Login", new { ReturnUrl });
    }
}

internal sealed class SecondFactorInput
{
    [Required(ErrorMessage = "Enter the code.")]
    [StringLength(40, ErrorMessage = "That code is too long.")]
    [Display(Name = "Code")]
    public string Code { get; set; } = string.Empty;
}

/// <summary>The code from the authenticator app.</summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
internal sealed class LoginWith2faModel(SignInManager<PlatformUser> signIn, UserManager<PlatformUser> users) : SecondFactorPageModel(signIn, users)
{
    // Not "remember this browser": every sign-in asks for the code (ADR 22). A malformed code is a wrong one.
    protected override Task<Microsoft.AspNetCore.Identity.SignInResult> SignInAsync(SignInManager<PlatformUser> signIn, UserManager<PlatformUser> users, PlatformUser user) =>
        signIn.TwoFactorAuthenticatorSignInAsync(TwoFactor.AppCode(Input.Code) ?? "-", RememberMe, rememberClient: false);

    protected override string Wrong(LockoutOptions lockout) => TwoFactor.WrongCode(lockout);
}
