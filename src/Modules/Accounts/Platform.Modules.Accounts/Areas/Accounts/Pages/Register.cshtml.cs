using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

[AllowAnonymous]
internal sealed class RegisterModel(IMediator mediator, SignInManager<PlatformUser> signIn, UserManager<PlatformUser> users, IOptions<AccountsOptions> options)
    : PageModel
{
    [BindProperty]
    public RegisterCompany Input { get; set; } = new();

    public string TermsVersion => options.Value.TermsVersion;

    /// <summary>What the login page says after a registration whose address already had an account.</summary>
    [TempData]
    public string? LoginMessage { get; set; }

    /// <summary>The country is proposed from the browser's language (en-US: US), else GB; the person changes it.</summary>
    public void OnGet() => Input.Country = PhoneCountries.Preferred(Request);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            // Run the cross-field rules too, so the person sees every problem at once.
            foreach (var error in new RegisterCompanyValidator().Validate(Input))
            {
                ModelState.AddModelError($"Input.{error.Field}", error.Message);
            }

            return Page();
        }

        var (ok, userId) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (!ok)
        {
            return Page();
        }

        if (userId == Guid.Empty)
        {
            // The address has an account: its holder was emailed. The answer names no account (no enumeration).
            LoginMessage = $"Check your email: we have sent {Input.Email.Trim()} a message about this registration.";
            return RedirectToPage("/Login", new { area = "Accounts" });
        }

        var user = await users.FindByIdAsync(userId.ToString());
        await signIn.SignInAsync(user!, isPersistent: false);
        return Redirect("/Dashboard");
    }
}
