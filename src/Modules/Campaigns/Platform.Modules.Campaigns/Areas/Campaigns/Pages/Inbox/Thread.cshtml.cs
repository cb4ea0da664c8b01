using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Campaigns.Features.TwoWay;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Inbox;

/// <summary>The reply form's one field.</summary>
internal sealed class ReplyForm
{
    public string? Text { get; set; }
}

/// <summary>
/// One conversation: its entries oldest first (messages both ways and STOP/START/keyword events), what campaign each
/// answer replies to, a reply form, and Mark done / Reopen. Opening it reads it. Another company's thread id answers 404,
/// exactly like an unknown one: every lookup is by id and company.
/// </summary>
internal sealed class ThreadModel(InboxStore inbox, MessageStore messages, IMediator mediator, ITenantContext tenant, TimeProvider clock, CompanyCountry companyCountry)
    : PageModel
{
    /// <summary>Entries shown at once; "Earlier messages" pages back from there.</summary>
    public const int PageSize = 200;

    [BindProperty]
    public ReplyForm Input { get; set; } = new();

    public InboxThread Thread { get; private set; } = null!;

    public IReadOnlyList<InboxEntry> Entries { get; private set; } = [];

    /// <summary>The id to page back from when there are earlier entries, else null.</summary>
    public long? Earlier { get; private set; }

    /// <summary>Whether a reply would be refused now (opted out or blocked): the form says so up front.</summary>
    public bool Suppressed { get; private set; }

    public Guid? CurrentUser => tenant.UserId;

    /// <summary>The company's country: a number is shown as it is dialled there.</summary>
    public string Country { get; private set; } = PhoneCountries.Fallback;

    /// <summary>Whether the page shows the latest entries, so new ones are appended as they arrive (not when paging back).</summary>
    public bool Live { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, long? before, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, before, cancellationToken))
        {
            return NotFound();
        }

        await inbox.MarkReadAsync(tenant.RequireCompanyId(), id, cancellationToken);
        return Page();
    }

    /// <summary>The entries after <paramref name="after"/>, for the live update of an open thread (which reads them).</summary>
    public async Task<IActionResult> OnGetEntriesAsync(Guid id, long after, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (await inbox.ThreadAsync(companyId, id, cancellationToken) is null)
        {
            return NotFound();
        }

        Entries = await inbox.EntriesAsync(companyId, id, Math.Max(after, 0), null, PageSize, cancellationToken);
        if (Entries.Count > 0)
        {
            await inbox.MarkReadAsync(companyId, id, cancellationToken);
        }

        return Partial("_ThreadEntries", this);
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        var request = new ReplyInConversation { ConversationId = id, Text = Input.Text ?? string.Empty };
        // The pipeline checks the text; the handler adds why nothing was sent (opted out, blocked, no credits).
        ModelState.Clear();
        var (ok, outcome) = await mediator.TrySendAsync(request, ModelState, cancellationToken: cancellationToken);
        if (ok && outcome is { Found: false })
        {
            return NotFound();
        }

        if (ok && outcome is { Sent: true })
        {
            Message = outcome.Message;
            return RedirectToPage(new { id });
        }

        if (ok && outcome is not null)
        {
            // Recorded in the thread with the carrier's reason; the text stays in the form to send again.
            ModelState.AddModelError(string.Empty, outcome.Message);
        }

        return await LoadAsync(id, null, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostDoneAsync(Guid id, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (await inbox.ThreadAsync(companyId, id, cancellationToken) is null)
        {
            return NotFound();
        }

        await inbox.MarkDoneAsync(companyId, id, clock.GetUtcNow(), cancellationToken);
        Message = "Marked done. A new message from them reopens it.";
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostReopenAsync(Guid id, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (await inbox.ThreadAsync(companyId, id, cancellationToken) is null)
        {
            return NotFound();
        }

        await inbox.ReopenAsync(companyId, id, cancellationToken);
        Message = "Reopened.";
        return RedirectToPage(new { id });
    }

    private async Task<bool> LoadAsync(Guid id, long? before, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (await inbox.ThreadAsync(companyId, id, cancellationToken) is not { } thread)
        {
            return false;
        }

        Thread = thread;
        Live = before is not > 0;
        var page = await inbox.EntriesAsync(companyId, id, null, before is > 0 ? before : null, PageSize + 1, cancellationToken);
        Earlier = page.Count > PageSize ? page[1].Id : null;
        Entries = page.Count > PageSize ? page.Skip(1).ToList() : page;
        Suppressed = (await messages.SuppressedAmongAsync(companyId, [thread.Phone], cancellationToken)).Count > 0;
        Country = await companyCountry.GetAsync(cancellationToken);
        return true;
    }
}
