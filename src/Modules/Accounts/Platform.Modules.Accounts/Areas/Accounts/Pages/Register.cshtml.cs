using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

[AllowAnonymous]
internal sealed class RegisterModel(IMediator mediator, IOptions<AccountsOptions> options)
    : PageModel
{
    [BindProperty]
    public RegisterCompany Input { get; set; } = new();

    public string TermsVersion => options.Value.TermsVersion;

    /// <summary>What the login page says after a registration, new or not (the same words: they name no account).</summary>
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

        if (!(await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken)).Ok)
        {
            return Page();
        }

        // A new owner is emailed a link to confirm the address; the holder of an address that has an account is emailed
        // that someone tried. Either way the page answers the same and signs nobody in, so it tells no one who is a
        // customer (issue #15), and nobody uses an address they do not hold.
        LoginMessage = $"Check your email: we have sent {Input.Email.Trim()} a message about this registration. Open the link in it to continue.";
        return RedirectToPage("/Login", new { area = "Accounts" });
    }
}
