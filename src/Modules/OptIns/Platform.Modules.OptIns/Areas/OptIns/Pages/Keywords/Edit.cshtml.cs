using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.OptIns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Keywords;

/// <summary>Another company's keyword id answers 404, exactly like an id that does not exist.</summary>
internal sealed class EditKeywordModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public UpdateKeyword Input { get; set; } = new();

    public Guid Id { get; private set; }

    public string Word { get; private set; } = string.Empty;

    public string PlatformNumber { get; private set; } = string.Empty;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        Input.Id = id;
        if (!await LoadAsync(id, cancellationToken, keepInput: true))
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var (ok, found) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (ok && !found)
        {
            return NotFound();
        }

        return ok ? RedirectToPage("/Keywords/Details", new { id }) : Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken) =>
        await mediator.Send(new DeleteKeyword(id), cancellationToken) ? RedirectToPage("/Index") : NotFound();

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken, bool keepInput = false)
    {
        var details = await mediator.Send(new GetKeywordDetails(id, null, 1), cancellationToken);
        if (details is null)
        {
            return false;
        }

        (Id, Word, PlatformNumber) = (details.Id, details.Word, details.PlatformNumber);
        if (!keepInput)
        {
            Input = new UpdateKeyword { Id = id, Description = details.Description, AutoReply = details.AutoReply };
        }

        return true;
    }
}
