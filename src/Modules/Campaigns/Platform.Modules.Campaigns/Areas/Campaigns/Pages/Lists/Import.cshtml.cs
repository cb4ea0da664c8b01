using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Lists;

/// <summary>
/// The upload form: the file goes to disk (outside the web root) and a job imports it, so this answers at once
/// with the import's progress page.
/// </summary>
[RequestSizeLimit(ContactsOptions.MaxUploadBytes + 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = ContactsOptions.MaxUploadBytes + 1024 * 1024)]
internal sealed class ImportModel(IMediator mediator, CompanyCountry companyCountry) : PageModel
{
    [BindProperty]
    public StartImport Input { get; set; } = new();

    public ContactListSummary List { get; private set; } = null!;

    public IReadOnlyList<string> Countries { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        // Rows without a country code are read as numbers of the company's own country unless the user picks another.
        Input = new StartImport { ListId = id, DefaultCountry = await companyCountry.GetAsync(cancellationToken) };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        Input.ListId = id;
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var (ok, importId) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (ok && importId is null)
        {
            return NotFound();
        }

        if (!ok)
        {
            return Page();
        }

        var started = await mediator.Send(new GetImport(importId!.Value), cancellationToken);
        return started?.Status == ImportStatus.Mapping
            ? RedirectToPage("/Lists/ImportMapping", new { id = importId })
            : RedirectToPage("/Lists/ImportStatus", new { id = importId });
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetContactList(id), cancellationToken) is not { } list)
        {
            return false;
        }

        List = list;
        Countries = await mediator.Send(new ListCountries(), cancellationToken);
        return true;
    }
}
