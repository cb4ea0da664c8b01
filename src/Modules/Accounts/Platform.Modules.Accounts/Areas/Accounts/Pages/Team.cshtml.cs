using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>Owners only: who is in the company, and inviting someone new.</summary>
[Authorize(Policy = AccountsModule.CompanyOwnerPolicy)]
internal sealed class TeamModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public InviteMember Input { get; set; } = new();

    public TeamView View { get; private set; } = new([], []);

    public string? InvitationLink { get; private set; }

    public string? InvitedEmail { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        View = await mediator.Send(new GetTeam(), cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var (ok, link) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            if (ok)
            {
                InvitationLink = link;
                InvitedEmail = Input.Email.Trim();
                ModelState.Clear();
                Input = new InviteMember();
            }
        }

        View = await mediator.Send(new GetTeam(), cancellationToken);
        return Page();
    }
}
