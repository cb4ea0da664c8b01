using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Lists;

/// <summary>Adds a contact by hand (no contact id) or edits and deletes one. Another company's ids answer 404.</summary>
internal sealed class ContactModel(IMediator mediator, CompanyCountry companyCountry) : PageModel
{
    [BindProperty]
    public SaveContact Input { get; set; } = new();

    public ContactListSummary List { get; private set; } = null!;

    public bool IsNew => Input.ContactId is null;

    /// <summary>The company's country: numbers are typed and shown as they are dialled there.</summary>
    public string Country { get; private set; } = PhoneCountries.Fallback;

    public string PhoneHint => CompanyCountry.NumberHint(Country);

    /// <summary>The company's contact fields, each an input under the contact's own.</summary>
    public IReadOnlyList<ContactField> Fields { get; private set; } = [];

    /// <summary>The error for one field's value, as ModelState holds it.</summary>
    public string? FieldError(string key) =>
        ModelState.TryGetValue($"Input.Fields[{key}]", out var entry) ? entry.Errors.FirstOrDefault()?.ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(Guid listId, long? contactId, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetContactList(listId), cancellationToken) is not { } list)
        {
            return NotFound();
        }

        List = list;
        Country = await companyCountry.GetAsync(cancellationToken);
        Fields = await mediator.Send(new ListContactFields(), cancellationToken);
        Input = new SaveContact { ListId = listId };
        if (contactId is { } id)
        {
            if (await mediator.Send(new GetContact(listId, id), cancellationToken) is not { } contact)
            {
                return NotFound();
            }

            Input = new SaveContact
            {
                ListId = listId,
                ContactId = id,
                Phone = PhoneNumbers.Display(contact.Phone, Country),
                FirstName = contact.FirstName,
                LastName = contact.LastName,
                TimeZone = contact.TimeZone,
                ConsentSource = contact.ConsentSource,
                Fields = ContactFieldValues.Parse(contact.Fields).ToDictionary(v => v.Key, v => (string?)v.Value),
            };
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid listId, long? contactId, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetContactList(listId), cancellationToken) is not { } list)
        {
            return NotFound();
        }

        List = list;
        Country = await companyCountry.GetAsync(cancellationToken);
        Fields = await mediator.Send(new ListContactFields(), cancellationToken);
        (Input.ListId, Input.ContactId, Input.DefaultCountry) = (listId, contactId, Country);
        // The pipeline checks the annotations and the number and time zone together, so every problem shows at once.
        ModelState.Clear();
        var (ok, found) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (ok && !found)
        {
            return NotFound();
        }

        return ok ? RedirectToPage("/Lists/Details", new { id = listId }) : Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid listId, long contactId, CancellationToken cancellationToken) =>
        await mediator.Send(new DeleteContact(listId, contactId), cancellationToken)
            ? RedirectToPage("/Lists/Details", new { id = listId })
            : NotFound();
}
