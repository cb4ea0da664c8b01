using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Platform.Modules.OptIns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Features;

/// <summary>The platform numbers keywords can live on, from <c>Platform:Messaging:PlatformNumbers</c>.</summary>
internal sealed class PlatformNumberList(IConfiguration configuration)
{
    public IReadOnlyList<string> All { get; } = PlatformNumbers.From(configuration);
}

internal sealed record KeywordSummary(Guid Id, string Word, string PlatformNumber, string Description, int OptedIn, int OptedOut, long Requests, DateTimeOffset CreatedAt);

/// <summary>The signed-in company's keywords with their counters.</summary>
internal sealed record ListKeywords : IRequest<IReadOnlyList<KeywordSummary>>;

internal sealed class ListKeywordsHandler(OptInsDbContext db, ITenantContext tenant) : IRequestHandler<ListKeywords, IReadOnlyList<KeywordSummary>>
{
    public async Task<IReadOnlyList<KeywordSummary>> Handle(ListKeywords request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await (
                from k in db.Keywords.AsNoTracking()
                where k.CompanyId == companyId && k.DeletedAt == null
                orderby k.Word
                select new KeywordSummary(
                    k.Id, k.Word, k.PlatformNumber, k.Description,
                    db.KeywordCounters.Where(c => c.KeywordId == k.Id).Sum(c => (int?)c.OptedIn) ?? 0,
                    db.KeywordCounters.Where(c => c.KeywordId == k.Id).Sum(c => (int?)c.OptedOut) ?? 0,
                    db.KeywordCounters.Where(c => c.KeywordId == k.Id).Sum(c => (long?)c.Requests) ?? 0,
                    k.CreatedAt))
            .ToListAsync(cancellationToken);
    }
}

/// <summary>A new keyword. The page binds this class directly.</summary>
internal sealed class CreateKeyword : IRequest<Guid>
{
    [Required(ErrorMessage = "Enter the keyword people will text, for example PIZZA.")]
    [Display(Name = "Keyword")]
    public string Word { get; set; } = string.Empty;

    [Required(ErrorMessage = "Choose the number people text the keyword to.")]
    [Display(Name = "Platform number")]
    public string PlatformNumber { get; set; } = string.Empty;

    [Required(ErrorMessage = "Describe what people get when they text this keyword.")]
    [StringLength(500, ErrorMessage = "The description can have at most 500 characters.")]
    public string Description { get; set; } = string.Empty;

    [Required(ErrorMessage = "Write the reply people get when they text this keyword.")]
    [StringLength(300, ErrorMessage = "The auto-reply can have at most 300 characters.")]
    [Display(Name = "Auto-reply text")]
    public string AutoReply { get; set; } = string.Empty;
}

internal sealed class CreateKeywordValidator(PlatformNumberList numbers) : IRequestValidator<CreateKeyword>
{
    public IEnumerable<ValidationError> Validate(CreateKeyword request)
    {
        if (!string.IsNullOrWhiteSpace(request.Word) && Keywords.Problem(request.Word) is { } problem)
        {
            yield return new ValidationError(nameof(request.Word), problem);
        }

        if (!string.IsNullOrWhiteSpace(request.PlatformNumber) && !numbers.All.Contains(request.PlatformNumber))
        {
            yield return new ValidationError(nameof(request.PlatformNumber), "Choose one of the platform's numbers.");
        }
    }
}

internal sealed class CreateKeywordHandler(OptInsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<CreateKeyword, Guid>
{
    public async Task<Guid> Handle(CreateKeyword request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var word = Keywords.Normalize(request.Word);
        var taken = () => new RequestValidationException(nameof(request.Word),
            $"{word} is already taken on {request.PlatformNumber}. Keywords are unique per number; choose another one.");
        if (await db.Keywords.AnyAsync(k => k.PlatformNumber == request.PlatformNumber && k.Word == word && k.DeletedAt == null, cancellationToken))
        {
            throw taken();
        }

        var now = clock.GetUtcNow();
        var keyword = new Keyword
        {
            Id = Guid.CreateVersion7(),
            CompanyId = companyId,
            PlatformNumber = request.PlatformNumber,
            Word = word,
            Description = request.Description.Trim(),
            AutoReply = request.AutoReply.Trim(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Keywords.Add(keyword);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw taken(); // another company took it between the check and the insert
        }

        return keyword.Id;
    }
}

/// <summary>Changing a keyword's description and auto-reply (the word and number stay: the history refers to them).</summary>
internal sealed class UpdateKeyword : IRequest<bool>
{
    public Guid Id { get; set; }

    [Required(ErrorMessage = "Describe what people get when they text this keyword.")]
    [StringLength(500, ErrorMessage = "The description can have at most 500 characters.")]
    public string Description { get; set; } = string.Empty;

    [Required(ErrorMessage = "Write the reply people get when they text this keyword.")]
    [StringLength(300, ErrorMessage = "The auto-reply can have at most 300 characters.")]
    [Display(Name = "Auto-reply text")]
    public string AutoReply { get; set; } = string.Empty;
}

internal sealed class UpdateKeywordHandler(OptInsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<UpdateKeyword, bool>
{
    public async Task<bool> Handle(UpdateKeyword request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var keyword = await db.Keywords.SingleOrDefaultAsync(k => k.Id == request.Id && k.CompanyId == companyId && k.DeletedAt == null, cancellationToken);
        if (keyword is null)
        {
            return false;
        }

        keyword.Description = request.Description.Trim();
        keyword.AutoReply = request.AutoReply.Trim();
        keyword.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}

/// <summary>
/// Deletes a keyword: it stops matching and the word is free again. Its history, counters and the consent records
/// stay (they are the company's and the subscribers' record of what happened).
/// </summary>
internal sealed record DeleteKeyword(Guid Id) : IRequest<bool>;

internal sealed class DeleteKeywordHandler(OptInsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<DeleteKeyword, bool>
{
    public async Task<bool> Handle(DeleteKeyword request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var now = clock.GetUtcNow();
        return await db.Keywords
            .Where(k => k.Id == request.Id && k.CompanyId == companyId && k.DeletedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.DeletedAt, now).SetProperty(k => k.UpdatedAt, now), cancellationToken) == 1;
    }
}

internal sealed record HistoryRow(long Id, string UserCode, string Keyword, int RequestNumber, DateTimeOffset ReceivedAt);

internal sealed record KeywordDetails(
    Guid Id, string Word, string PlatformNumber, string Description, string AutoReply,
    int OptedIn, int OptedOut, long Requests, IReadOnlyList<HistoryRow> History, long? NextBefore);

/// <summary>A keyword of the signed-in company, its counters and a page of its history, newest first (keyset on id).</summary>
internal sealed record GetKeywordDetails(Guid Id, long? Before, int PageSize = 50) : IRequest<KeywordDetails?>;

internal sealed class GetKeywordDetailsHandler(OptInsDbContext db, ITenantContext tenant) : IRequestHandler<GetKeywordDetails, KeywordDetails?>
{
    public async Task<KeywordDetails?> Handle(GetKeywordDetails request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var keyword = await db.Keywords.AsNoTracking().SingleOrDefaultAsync(k => k.Id == request.Id && k.CompanyId == companyId && k.DeletedAt == null, cancellationToken);
        if (keyword is null)
        {
            return null;
        }

        var counters = await db.KeywordCounters.AsNoTracking().Where(c => c.KeywordId == keyword.Id).ToListAsync(cancellationToken);
        var pageSize = Math.Clamp(request.PageSize, 1, 500);
        var before = request.Before ?? long.MaxValue;
        var history = await db.Requests.AsNoTracking()
            .Where(r => r.KeywordId == keyword.Id && r.CompanyId == companyId && r.Id < before)
            .OrderByDescending(r => r.Id)
            .Take(pageSize)
            .Select(r => new HistoryRow(r.Id, r.UserCode, r.Keyword, r.RequestNumber, r.ReceivedAt))
            .ToListAsync(cancellationToken);
        return new KeywordDetails(
            keyword.Id, keyword.Word, keyword.PlatformNumber, keyword.Description, keyword.AutoReply,
            counters.Sum(c => c.OptedIn), counters.Sum(c => c.OptedOut), counters.Sum(c => c.Requests),
            history, history.Count == pageSize ? history[^1].Id : null);
    }
}

/// <summary>The keyword's whole history, newest first, streamed from the database (null when it is not the company's).</summary>
internal sealed record ExportKeywordHistory(Guid Id) : IRequest<(string Word, IAsyncEnumerable<HistoryRow> Rows)?>;

internal sealed class ExportKeywordHistoryHandler(OptInsDbContext db, ITenantContext tenant)
    : IRequestHandler<ExportKeywordHistory, (string Word, IAsyncEnumerable<HistoryRow> Rows)?>
{
    public async Task<(string Word, IAsyncEnumerable<HistoryRow> Rows)?> Handle(ExportKeywordHistory request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var word = await db.Keywords.AsNoTracking()
            .Where(k => k.Id == request.Id && k.CompanyId == companyId && k.DeletedAt == null)
            .Select(k => k.Word)
            .SingleOrDefaultAsync(cancellationToken);
        return word is null ? null : (word, Rows(request.Id, companyId, cancellationToken));
    }

    private async IAsyncEnumerable<HistoryRow> Rows(Guid keywordId, Guid companyId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in db.Requests.AsNoTracking()
                           .Where(r => r.KeywordId == keywordId && r.CompanyId == companyId)
                           .OrderByDescending(r => r.Id)
                           .Select(r => new HistoryRow(r.Id, r.UserCode, r.Keyword, r.RequestNumber, r.ReceivedAt))
                           .AsAsyncEnumerable()
                           .WithCancellation(cancellationToken))
        {
            yield return row;
        }
    }
}
