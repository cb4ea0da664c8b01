using MediatR;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Features;

internal sealed class GetOptedInSubscribersPageValidator : IRequestValidator<GetOptedInSubscribersPage>
{
    public IEnumerable<ValidationError> Validate(GetOptedInSubscribersPage request)
    {
        if (request.PageSize is < 1 or > GetOptedInSubscribersPage.MaxPageSize)
        {
            yield return new ValidationError(nameof(request.PageSize), $"A page has 1 to {GetOptedInSubscribersPage.MaxPageSize} subscribers.");
        }
    }
}

/// <summary>Keyset pagination on (company_id, phone) over the partial index of opted-in subscriptions.</summary>
internal sealed class GetOptedInSubscribersPageHandler(OptInsDbContext db) : IRequestHandler<GetOptedInSubscribersPage, SubscriberPage>
{
    public async Task<SubscriberPage> Handle(GetOptedInSubscribersPage request, CancellationToken cancellationToken)
    {
        var after = request.AfterPhone ?? string.Empty;
        var items = await (
                from s in db.Subscriptions.AsNoTracking()
                join a in db.SubscriberAccounts.AsNoTracking() on s.SubscriberId equals a.SubscriberId into accounts
                from a in accounts.DefaultIfEmpty()
                where s.CompanyId == request.CompanyId && s.OptedIn && string.Compare(s.Phone, after) > 0
                      && (request.KeywordId == null || s.KeywordId == request.KeywordId)
                orderby s.Phone
                select new AudienceMember(s.SubscriberId, s.Phone, a == null ? null : a.FirstName))
            .Take(request.PageSize)
            .ToListAsync(cancellationToken);
        return new SubscriberPage(items, items.Count == request.PageSize ? items[^1].Phone : null);
    }
}

internal sealed class ListCompanyKeywordsHandler(OptInsDbContext db) : IRequestHandler<ListCompanyKeywords, IReadOnlyList<CompanyKeyword>>
{
    public async Task<IReadOnlyList<CompanyKeyword>> Handle(ListCompanyKeywords request, CancellationToken cancellationToken) =>
        await db.Keywords.AsNoTracking().Where(k => k.CompanyId == request.CompanyId && k.DeletedAt == null)
            .OrderBy(k => k.Word).Select(k => new CompanyKeyword(k.Id, k.Word, k.PlatformNumber)).ToListAsync(cancellationToken);
}

/// <summary>Counted on the partial index of opted-in subscriptions; asked for when a company composes a campaign, not on page loads.</summary>
internal sealed class CountOptedInSubscribersHandler(OptInsDbContext db) : IRequestHandler<CountOptedInSubscribers, long>
{
    public Task<long> Handle(CountOptedInSubscribers request, CancellationToken cancellationToken) =>
        db.Subscriptions.AsNoTracking().LongCountAsync(s => s.CompanyId == request.CompanyId && s.OptedIn, cancellationToken);
}

internal sealed class IsOptedOutHandler(OptInsDbContext db, PhoneHashes hashes) : IRequestHandler<IsOptedOut, bool>
{
    public async Task<bool> Handle(IsOptedOut request, CancellationToken cancellationToken)
    {
        if (!PhoneNumbers.TryNormalizeE164(request.Phone, out var phone))
        {
            return false;
        }

        // The subscription says it; without one, an erased subscriber's kept hash still says "opted out".
        var subscribed = await db.Subscriptions.AsNoTracking()
            .Where(s => s.CompanyId == request.CompanyId && s.Phone == phone)
            .Select(s => (bool?)s.OptedIn)
            .FirstOrDefaultAsync(cancellationToken);
        if (subscribed is { } optedIn)
        {
            return !optedIn;
        }

        var hash = hashes.Hash(phone);
        return await db.SuppressedNumbers.AsNoTracking().AnyAsync(n => n.CompanyId == request.CompanyId && n.PhoneHash == hash, cancellationToken);
    }
}

/// <summary>Set-based: one UPDATE for a whole campaign batch.</summary>
internal sealed class RecordCompanyContactHandler(OptInsDbContext db) : IRequestHandler<RecordCompanyContact, int>
{
    public async Task<int> Handle(RecordCompanyContact request, CancellationToken cancellationToken)
    {
        if (request.Phones.Count == 0 || !PhoneNumbers.TryNormalizeE164(request.PlatformNumber, out var number))
        {
            return 0;
        }

        return await db.Database.ExecuteSqlRawAsync(
            """
            UPDATE optins.subscriptions
            SET last_contact_at = GREATEST(last_contact_at, @at), platform_number = @number
            WHERE company_id = @company AND phone = ANY (@phones)
            """,
            [
                new NpgsqlParameter("at", NpgsqlDbType.TimestampTz) { Value = request.At },
                new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = number },
                new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = request.CompanyId },
                new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = request.Phones.ToArray() },
            ],
            cancellationToken);
    }
}
