using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Lists;

/// <summary>A list: its contacts a page at a time, its imports, rename and delete. Another company's list id answers 404.</summary>
internal sealed class DetailsModel(IMediator mediator, CompanyCountry companyCountry) : PageModel
{
    public const int PageSize = 50;

    [BindProperty]
    public SaveContactList Input { get; set; } = new();

    public ContactListSummary List { get; private set; } = null!;

    public IReadOnlyList<ContactRow> Contacts { get; private set; } = [];

    public IReadOnlyList<ImportView> Imports { get; private set; } = [];

    /// <summary>The company's contact fields, a column each (the first <see cref="FieldColumns"/>; the rest are on each contact's page).</summary>
    public IReadOnlyList<Domain.ContactField> Fields { get; private set; } = [];

    public const int FieldColumns = 6;

    public long? Next { get; private set; }

    /// <summary>The company's country: its own numbers are shown as they are dialled there.</summary>
    public string Country { get; private set; } = PhoneCountries.Fallback;

    public async Task<IActionResult> OnGetAsync(Guid id, long after, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, after, cancellationToken))
        {
            return NotFound();
        }

        Input = new SaveContactList { Id = id, Name = List.Name };
        return Page();
    }

    public async Task<IActionResult> OnPostRenameAsync(Guid id, CancellationToken cancellationToken)
    {
        Input.Id = id;
        if (ModelState.IsValid)
        {
            var (ok, saved) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            if (ok)
            {
                return saved is null ? NotFound() : RedirectToPage(new { id });
            }
        }

        return await LoadAsync(id, 0, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken) =>
        await mediator.Send(new DeleteContactList(id), cancellationToken) ? RedirectToPage("/Lists/Index") : NotFound();

    private async Task<bool> LoadAsync(Guid id, long after, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetContactList(id), cancellationToken) is not { } list)
        {
            return false;
        }

        List = list;
        Contacts = await mediator.Send(new ListContacts(id, after, PageSize), cancellationToken) ?? [];
        Next = Contacts.Count == PageSize ? Contacts[^1].Id : null;
        Country = await companyCountry.GetAsync(cancellationToken);
        Imports = await mediator.Send(new ListImports(id), cancellationToken);
        Fields = (await mediator.Send(new ListContactFields(), cancellationToken)).Take(FieldColumns).ToList();
        return true;
    }
}
