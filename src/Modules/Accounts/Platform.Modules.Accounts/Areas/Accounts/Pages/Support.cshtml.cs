using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>A business user's support requests (their own, newest activity first) and a new one with attachments.</summary>
[Authorize(Policy = AccountsModule.CompanyUserPolicy)]
internal sealed class SupportModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public OpenTicket Input { get; set; } = new();

    public IReadOnlyList<TicketListItem> Tickets { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Tickets = await mediator.Send(new GetMyTickets(), cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var (ok, created) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            if (ok)
            {
                return RedirectToPage("/SupportTicket", new { area = "Accounts", id = created!.Id });
            }
        }

        Tickets = await mediator.Send(new GetMyTickets(), cancellationToken);
        return Page();
    }
}
