using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Contacts;

internal sealed record ContactListSummary(Guid Id, string Name, int ContactCount, DateTimeOffset CreatedAt);

/// <summary>The signed-in company's lists with their counters (never a count over the contacts).</summary>
internal sealed record ListContactLists : IRequest<IReadOnlyList<ContactListSummary>>;

internal sealed class ListContactListsHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<ListContactLists, IReadOnlyList<ContactListSummary>>
{
    public async Task<IReadOnlyList<ContactListSummary>> Handle(ListContactLists request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.ContactLists.AsNoTracking()
            .Where(l => l.CompanyId == companyId)
            .OrderBy(l => l.Name)
            .Select(l => new ContactListSummary(l.Id, l.Name, l.ContactCount, l.CreatedAt))
            .ToListAsync(cancellationToken);
    }
}

/// <summary>One of the company's lists, or null (also for another company's id).</summary>
internal sealed record GetContactList(Guid Id) : IRequest<ContactListSummary?>;

internal sealed class GetContactListHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<GetContactList, ContactListSummary?>
{
    public async Task<ContactListSummary?> Handle(GetContactList request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.ContactLists.AsNoTracking()
            .Where(l => l.Id == request.Id && l.CompanyId == companyId)
            .Select(l => new ContactListSummary(l.Id, l.Name, l.ContactCount, l.CreatedAt))
            .SingleOrDefaultAsync(cancellationToken);
    }
}

/// <summary>A new list, or a new name for one (<see cref="Id"/> set). The pages bind this class.</summary>
internal sealed class SaveContactList : IRequest<Guid?>
{
    public Guid? Id { get; set; }

    [Required(ErrorMessage = "Name the list, for example \"Newsletter\".")]
    [StringLength(100, ErrorMessage = "A list name can have at most 100 characters.")]
    [Display(Name = "List name")]
    public string Name { get; set; } = string.Empty;
}

internal sealed class SaveContactListHandler(CampaignsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<SaveContactList, Guid?>
{
    public async Task<Guid?> Handle(SaveContactList request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var name = request.Name.Trim();
        ContactList? list;
        if (request.Id is { } id)
        {
            list = await db.ContactLists.SingleOrDefaultAsync(l => l.Id == id && l.CompanyId == companyId, cancellationToken);
            if (list is null)
            {
                return null;
            }

            list.Name = name;
        }
        else
        {
            list = new ContactList { Id = Guid.CreateVersion7(), CompanyId = companyId, Name = name, CreatedAt = clock.GetUtcNow() };
            db.ContactLists.Add(list);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new RequestValidationException(nameof(request.Name), $"You already have a list named \"{name}\". Choose another name.");
        }

        return list.Id;
    }
}

/// <summary>Deletes a list with its contacts and imports (the foreign keys cascade).</summary>
internal sealed record DeleteContactList(Guid Id) : IRequest<bool>;

internal sealed class DeleteContactListHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<DeleteContactList, bool>
{
    public async Task<bool> Handle(DeleteContactList request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.ContactLists.Where(l => l.Id == request.Id && l.CompanyId == companyId).ExecuteDeleteAsync(cancellationToken) > 0;
    }
}
