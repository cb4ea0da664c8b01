using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages.Shared;

/// <summary>
/// A support ticket's page, the owner's and staff's alike: the thread, its attachments (the handlers decide who may see
/// them) and a reply with attachments. The owner's page never closes with a reply; staff may.
/// </summary>
internal abstract class TicketPageModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty]
    public ReplyToTicket Input { get; set; } = new();

    public TicketView Ticket { get; private set; } = null!;

    protected IMediator Mediator => mediator;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnGetAttachmentAsync(Guid attachment, CancellationToken cancellationToken) =>
        await mediator.Send(new GetTicketAttachment(attachment), cancellationToken) is { } file
            ? File(file.Content, file.ContentType, file.FileName)
            : NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Input.TicketId = Id;
        Input.Close &= MayCloseWithReply;
        if (ModelState.IsValid && (await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken)).Ok)
        {
            return RedirectToPage(new { id = Id });
        }

        return await LoadAsync(cancellationToken) ? Page() : NotFound();
    }

    protected abstract bool MayCloseWithReply { get; }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Ticket = (await mediator.Send(new GetTicket(Id), cancellationToken))!;
        return Ticket is not null;
    }
}
