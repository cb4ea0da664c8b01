using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>The user's password and sessions: change the password (ends the other sessions), see where they are signed in, sign out everywhere.</summary>
[Authorize]
internal sealed class SecurityModel(IMediator mediator, IUserSessions sessions, SignInManager<PlatformUser> signIn, ITenantContext tenant) : PageModel
{
    [BindProperty]
    public ChangePassword Input { get; set; } = new();

    public IReadOnlyList<UserSession> Sessions { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken cancellationToken)
    {
        if (ModelState.IsValid && (await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken)).Ok)
        {
            Message = "Your password is changed. You were signed out everywhere else.";
            return RedirectToPage();
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>Every session of the user ends, this one too: the next request anywhere asks for the password.</summary>
    public async Task<IActionResult> OnPostSignOutEverywhereAsync(CancellationToken cancellationToken)
    {
        await sessions.EndAllAsync(UserId, keepCurrent: false, cancellationToken);
        await signIn.SignOutAsync();
        return RedirectToPage("/Login", new { area = "Accounts" });
    }

    public async Task<IActionResult> OnPostEndAsync(Guid id, CancellationToken cancellationToken)
    {
        Message = await sessions.EndAsync(AccountSessions.Scheme, UserId.ToString(), id, cancellationToken)
            ? "That session is ended." : "That session had already ended.";
        return RedirectToPage();
    }

    private Guid UserId => tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");

    private async Task LoadAsync(CancellationToken cancellationToken) =>
        Sessions = await sessions.ListAsync(UserId, cancellationToken);
}
