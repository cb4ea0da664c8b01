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
internal sealed class AcceptInvitationModel(IMediator mediator, SignInManager<PlatformUser> signIn, UserManager<PlatformUser> users, IOptions<AccountsOptions> options) : PageModel
{
    /// <summary>The privacy policy version an invited member accepts (recorded on their account).</summary>
    public string TermsVersion => options.Value.TermsVersion;

    [BindProperty]
    public AcceptInvitation Input { get; set; } = new();

    public InvitationView? Invitation { get; private set; }

    public async Task OnGetAsync(string? token, CancellationToken cancellationToken)
    {
        Input.Token = token ?? string.Empty;
        Invitation = string.IsNullOrEmpty(token) ? null : await mediator.Send(new GetInvitation(token), cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Invitation = await mediator.Send(new GetInvitation(Input.Token), cancellationToken);
        if (Invitation is null || !ModelState.IsValid)
        {
            return Page();
        }

        Input.CompanyCountry = Invitation.CompanyCountry;

        var (ok, userId) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (!ok)
        {
            return Page();
        }

        await signIn.SignInAsync((await users.FindByIdAsync(userId.ToString()))!, isPersistent: false);
        return Redirect("/Dashboard");
    }
}
