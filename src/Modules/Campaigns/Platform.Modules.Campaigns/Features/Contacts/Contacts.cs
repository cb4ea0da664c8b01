using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>A contact as pages and exports show it; <see cref="Fields"/> is the JSON of its contact field values (ContactFieldValues).</summary>
internal sealed record ContactRow(long Id, string Phone, string? FirstName, string? LastName, string? TimeZone, string ConsentSource, DateTimeOffset UpdatedAt, string? Fields = null);

/// <summary>A page of a list's contacts, oldest first, after the contact id <see cref="After"/>; null for an unknown list.</summary>
internal sealed record ListContacts(Guid ListId, long After = 0, int Take = 50) : IRequest<IReadOnlyList<ContactRow>?>;

internal sealed class ListContactsHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<ListContacts, IReadOnlyList<ContactRow>?>
{
    public async Task<IReadOnlyList<ContactRow>?> Handle(ListContacts request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (!await db.ContactLists.AnyAsync(l => l.Id == request.ListId && l.CompanyId == companyId, cancellationToken))
        {
            return null;
        }

        return await db.Contacts.AsNoTracking()
            .Where(c => c.ListId == request.ListId && c.CompanyId == companyId && c.Id > request.After)
            .OrderBy(c => c.Id)
            .Take(Math.Clamp(request.Take, 1, 500))
            .Select(c => new ContactRow(c.Id, c.Phone, c.FirstName, c.LastName, c.TimeZone, c.ConsentSource, c.UpdatedAt, c.Fields))
            .ToListAsync(cancellationToken);
    }
}

/// <summary>One contact of one of the company's lists, or null.</summary>
internal sealed record GetContact(Guid ListId, long ContactId) : IRequest<ContactRow?>;

internal sealed class GetContactHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<GetContact, ContactRow?>
{
    public async Task<ContactRow?> Handle(GetContact request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.Contacts.AsNoTracking()
            .Where(c => c.Id == request.ContactId && c.ListId == request.ListId && c.CompanyId == companyId)
            .Select(c => new ContactRow(c.Id, c.Phone, c.FirstName, c.LastName, c.TimeZone, c.ConsentSource, c.UpdatedAt, c.Fields))
            .SingleOrDefaultAsync(cancellationToken);
    }
}

/// <summary>A contact typed in by hand: new (<see cref="ContactId"/> empty) or changed. Answers false for an unknown list or contact.</summary>
internal sealed class SaveContact : IRequest<bool>
{
    public Guid ListId { get; set; }

    public long? ContactId { get; set; }

    [Required(ErrorMessage = "Enter the mobile number.")]
    [Display(Name = "Mobile number")]
    public string Phone { get; set; } = string.Empty;

    [StringLength(ContactRules.MaxNameLength, ErrorMessage = "A first name can have at most 100 characters.")]
    [Display(Name = "First name")]
    public string? FirstName { get; set; }

    [StringLength(ContactRules.MaxNameLength, ErrorMessage = "A last name can have at most 100 characters.")]
    [Display(Name = "Last name")]
    public string? LastName { get; set; }

    [Display(Name = "Time zone")]
    public string? TimeZone { get; set; }

    [Required(ErrorMessage = "Say how this person gave consent to receive your messages, for example \"Signed up at the till, 3 May\".")]
    [StringLength(500, ErrorMessage = "The consent source can have at most 500 characters.")]
    [Display(Name = "How consent was obtained")]
    public string ConsentSource { get; set; } = string.Empty;

    /// <summary>
    /// The company's country, set by the page (never from the form): a number typed without its country code is read as
    /// dialled there. Null: international format only.
    /// </summary>
    [BindNever]
    public string? DefaultCountry { get; set; }

    /// <summary>
    /// The company's contact fields by key, as typed (checked against each field's kind by the handler). A key not in
    /// the form keeps its value; an empty one removes it; a key that is not one of the company's fields is ignored.
    /// </summary>
    public Dictionary<string, string?> Fields { get; set; } = [];
}

internal sealed class SaveContactValidator : IRequestValidator<SaveContact>
{
    public IEnumerable<ValidationError> Validate(SaveContact request)
    {
        if (!string.IsNullOrWhiteSpace(request.Phone) && PhoneNumbers.Parse(request.Phone, request.DefaultCountry).Error is { } error)
        {
            yield return new ValidationError(nameof(request.Phone), error);
        }

        if (ContactRules.TimeZoneProblem(request.TimeZone) is { } problem)
        {
            yield return new ValidationError(nameof(request.TimeZone), problem);
        }
    }
}

internal sealed class SaveContactHandler(CampaignsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<SaveContact, bool>
{
    public async Task<bool> Handle(SaveContact request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var phone = PhoneNumbers.Parse(request.Phone, request.DefaultCountry).E164!; // the validator refused what it cannot read
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.ContactLists.AnyAsync(l => l.Id == request.ListId && l.CompanyId == companyId, cancellationToken))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        Contact? contact;
        if (request.ContactId is { } id)
        {
            contact = await db.Contacts.SingleOrDefaultAsync(c => c.Id == id && c.ListId == request.ListId && c.CompanyId == companyId, cancellationToken);
            if (contact is null)
            {
                return false;
            }
        }
        else
        {
            contact = new Contact { CompanyId = companyId, ListId = request.ListId, Phone = phone, ConsentSource = string.Empty, CreatedAt = now };
            db.Contacts.Add(contact);
        }

        if (await db.Contacts.AnyAsync(c => c.ListId == request.ListId && c.Phone == phone && c.Id != contact.Id, cancellationToken))
        {
            throw AlreadyOnList(phone);
        }

        contact.Fields = await FieldsAsync(companyId, contact.Fields, request.Fields, cancellationToken);
        contact.Phone = phone;
        contact.FirstName = ContactRules.Clean(request.FirstName);
        contact.LastName = ContactRules.Clean(request.LastName);
        contact.TimeZone = ContactRules.Clean(request.TimeZone);
        contact.ConsentSource = request.ConsentSource.Trim();
        contact.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw AlreadyOnList(phone); // added by someone else between the check and the insert
        }

        if (request.ContactId is null)
        {
            await db.ContactLists.Where(l => l.Id == request.ListId)
                .ExecuteUpdateAsync(u => u.SetProperty(l => l.ContactCount, l => l.ContactCount + 1), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The contact's field values after the form's, each checked by its kind; every bad value refused at once, nothing changed.</summary>
    private async Task<string?> FieldsAsync(Guid companyId, string? stored, Dictionary<string, string?> typed, CancellationToken cancellationToken)
    {
        if (typed.Count == 0)
        {
            return stored;
        }

        var values = new Dictionary<string, string>(ContactFieldValues.Parse(stored), StringComparer.Ordinal);
        var problems = new List<ValidationError>();
        foreach (var field in await db.ContactFieldsOfAsync(companyId, cancellationToken))
        {
            if (!typed.TryGetValue(field.Key, out var raw))
            {
                continue;
            }

            var (value, problem) = ContactFieldRules.Clean(field, raw);
            if (problem is not null)
            {
                problems.Add(new ValidationError($"{nameof(SaveContact.Fields)}[{field.Key}]", problem));
            }
            else if (value is null)
            {
                values.Remove(field.Key);
            }
            else
            {
                values[field.Key] = value;
            }
        }

        return problems.Count > 0 ? throw new RequestValidationException(problems) : ContactFieldValues.ToJson(values);
    }

    private static RequestValidationException AlreadyOnList(string phone) =>
        new(nameof(SaveContact.Phone), $"{phone} is already on this list.");
}

/// <summary>Removes one contact and keeps the list's counter in step.</summary>
internal sealed record DeleteContact(Guid ListId, long ContactId) : IRequest<bool>;

internal sealed class DeleteContactHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<DeleteContact, bool>
{
    public async Task<bool> Handle(DeleteContact request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.Contacts
            .Where(c => c.Id == request.ContactId && c.ListId == request.ListId && c.CompanyId == companyId)
            .ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return false;
        }

        await db.ContactLists.Where(l => l.Id == request.ListId)
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.ContactCount, l => l.ContactCount - deleted), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}

/// <summary>The rules a contact's fields follow, whether typed in or imported.</summary>
internal static class ContactRules
{
    public const int MaxNameLength = 100;

    public static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Null when the value is empty or an IANA time zone this machine knows; otherwise what is wrong.</summary>
    public static string? TimeZoneProblem(string? value) =>
        string.IsNullOrWhiteSpace(value) || TimeZoneInfo.TryFindSystemTimeZoneById(value.Trim(), out _)
            ? null
            : $"\"{value.Trim()}\" is not a time zone. Use an IANA name such as Europe/London or America/New_York, or leave it empty.";
}
