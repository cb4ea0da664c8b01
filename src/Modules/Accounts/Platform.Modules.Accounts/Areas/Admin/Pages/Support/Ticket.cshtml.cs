using MediatR;
using Platform.Modules.Accounts.Areas.Accounts.Pages.Shared;

namespace Platform.Modules.Accounts.Areas.Admin.Pages.Support;

/// <summary>Staff answer a ticket (emailed to the person with the answer's text), optionally closing it, with attachments.</summary>
internal sealed class SupportTicketAdminModel(IMediator mediator) : TicketPageModel(mediator)
{
    protected override bool MayCloseWithReply => true;
}
