using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Platform.Modules.Accounts.Areas.Accounts.Pages.Shared;
using Platform.Modules.Accounts.Features;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>One of the user's support requests: the thread with attachments, a reply (reopens it) or Close.</summary>
[Authorize(Policy = AccountsModule.CompanyUserPolicy)]
internal sealed class SupportTicketModel(IMediator mediator) : TicketPageModel(mediator)
{
    protected override bool MayCloseWithReply => false;

    public async Task<IActionResult> OnPostCloseAsync(CancellationToken cancellationToken)
    {
        await Mediator.Send(new CloseTicket(Id), cancellationToken);
        return RedirectToPage(new { id = Id });
    }
}
