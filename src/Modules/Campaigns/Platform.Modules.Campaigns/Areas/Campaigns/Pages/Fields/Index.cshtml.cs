using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Fields;

/// <summary>The company's own contact fields (/Campaigns/Fields): the list, a form for a new one, and delete.</summary>
internal sealed class IndexModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public AddContactField Input { get; set; } = new();

    public IReadOnlyList<ContactField> Fields { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Fields = await mediator.Send(new ListContactFields(), cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        // The pipeline checks the annotations, the key and the choices together, so every problem shows at once.
        ModelState.Clear();
        var (ok, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (ok)
        {
            Message = $"Added {{{Input.Key.Trim()}}}. Fill it on a contact, or map a CSV column to it when you import.";
            return RedirectToPage();
        }

        Fields = await mediator.Send(new ListContactFields(), cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await mediator.Send(new DeleteContactField(id), cancellationToken))
        {
            return NotFound();
        }

        Message = "Deleted the field and its values. Texts that still use it show its fallback.";
        return RedirectToPage();
    }
}
