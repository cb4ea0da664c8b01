using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;

namespace Platform.Modules.Accounts.Areas.Admin.Pages.Support;

/// <summary>Staff's support queue: tickets waiting for an answer first (oldest first), or the answered and closed ones.</summary>
internal sealed class SupportQueueModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Status { get; set; } = TicketStatus.Open;

    public IReadOnlyList<TicketListItem> Tickets { get; private set; } = [];

    public static IReadOnlyList<string> Statuses { get; } = [TicketStatus.Open, TicketStatus.Answered, TicketStatus.Closed];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Status = Statuses.Contains(Status) ? Status : TicketStatus.Open;
        Tickets = await mediator.Send(new GetSupportQueue(Status), cancellationToken);
    }
}
