using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Lists;

/// <summary>
/// After an upload with columns the import does not take by name: the columns, a select per column (phone, first name,
/// … one of the company's fields, a new field, ignore) and the first rows, so the user sees what goes where before
/// anything is imported. Another company's import, or one not waiting for a mapping, answers 404.
/// </summary>
internal sealed class ImportMappingModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public List<string?> Targets { get; set; } = [];

    public ImportMappingView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetImportMapping(id), cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        Targets = [.. view.Proposed];
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetImportMapping(id), cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        var (ok, found) = await mediator.TrySendAsync(new MapImport(id, Targets.Select(t => t ?? ImportTargets.Ignore).ToList()), ModelState, cancellationToken: cancellationToken);
        if (ok && !found)
        {
            return NotFound();
        }

        return ok ? RedirectToPage("/Lists/ImportStatus", new { id }) : Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetImport(id), cancellationToken) is not { } import || !await mediator.Send(new CancelImport(id), cancellationToken))
        {
            return NotFound();
        }

        return RedirectToPage("/Lists/Details", new { id = import.ListId });
    }
}
