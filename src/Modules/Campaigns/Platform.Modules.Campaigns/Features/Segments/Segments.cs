using System.Globalization;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Segments;

/// <summary>One rule as the form posts it; a row with no subject is the form's empty row and is ignored.</summary>
internal sealed class SegmentRuleInput
{
    public string? Subject { get; set; }

    public string? Op { get; set; }

    public string? Value { get; set; }
}

/// <summary>A segment as the company writes it: the saved form, and what the live count counts.</summary>
internal sealed class SegmentDefinition
{
    public Guid? Id { get; set; }

    public string Name { get; set; } = string.Empty;

    public List<Guid> ListIds { get; set; } = [];

    public bool IncludeSubscribers { get; set; }

    public string Match { get; set; } = SegmentMatch.All;

    public List<SegmentRuleInput> Rules { get; set; } = [];
}

/// <summary>Creates or changes a segment of the signed-in company; answers its id.</summary>
internal sealed record SaveSegment(SegmentDefinition Definition) : IRequest<Guid>;

/// <summary>How many people a segment (saved, or as the form stands) holds now, and how many of them are suppressed.</summary>
internal sealed record CountSegment(SegmentDefinition Definition) : IRequest<SegmentCount>;

internal sealed record SegmentCount(long People, long Suppressed, IReadOnlyList<string> Problems)
{
    public long Sendable => People - Suppressed;
}

internal sealed record DeleteSegment(Guid Id) : IRequest<string?>;

internal sealed record ListSegments : IRequest<IReadOnlyList<Segment>>;

internal sealed record GetSegment(Guid Id) : IRequest<Segment?>;

/// <summary>
/// Checks a definition against the company's lists, fields and keywords (one home for what a rule may say) and answers
/// it as the stored segment with its values normalised, or the problems, each saying what to write instead.
/// </summary>
internal sealed class SegmentRules(CampaignsDbContext db, IMediator mediator)
{
    public const int MaxRules = 20;

    public async Task<(Segment Segment, IReadOnlyList<ValidationError> Problems)> CheckAsync(Guid companyId, SegmentDefinition definition, CancellationToken cancellationToken)
    {
        var problems = new List<ValidationError>();
        if (string.IsNullOrWhiteSpace(definition.Name))
        {
            problems.Add(new ValidationError(nameof(SegmentDefinition.Name), "Give the segment a name."));
        }
        else if (definition.Name.Trim().Length > 100)
        {
            problems.Add(new ValidationError(nameof(SegmentDefinition.Name), "The name can have at most 100 characters."));
        }

        var lists = definition.ListIds.Distinct().ToArray();
        if (lists.Length > 0 && await db.ContactLists.CountAsync(l => l.CompanyId == companyId && lists.Contains(l.Id), cancellationToken) != lists.Length)
        {
            problems.Add(new ValidationError(nameof(SegmentDefinition.ListIds), "One of the chosen lists does not exist."));
        }

        if (definition.Match is not (SegmentMatch.All or SegmentMatch.Any))
        {
            problems.Add(new ValidationError(nameof(SegmentDefinition.Match), "Choose whether people must meet all the conditions or any of them."));
        }

        var fields = await db.ContactFields.AsNoTracking().Where(f => f.CompanyId == companyId).ToDictionaryAsync(f => f.Key, cancellationToken);
        IReadOnlyList<CompanyKeyword>? keywords = null;
        var rules = new List<SegmentRule>();
        var posted = definition.Rules.Where(r => !string.IsNullOrWhiteSpace(r.Subject)).ToList();
        if (posted.Count > MaxRules)
        {
            problems.Add(new ValidationError(nameof(SegmentDefinition.Rules), $"A segment has at most {MaxRules} conditions."));
        }

        for (var i = 0; i < posted.Count && i < MaxRules; i++)
        {
            var input = posted[i];
            var at = $"{nameof(SegmentDefinition.Rules)}[{i}]";
            var subject = input.Subject!.Trim();
            var op = input.Op?.Trim() ?? string.Empty;
            var value = string.IsNullOrWhiteSpace(input.Value) ? null : input.Value.Trim();
            string kind;
            string label;
            if (subject.StartsWith(SegmentRule.FieldPrefix, StringComparison.Ordinal))
            {
                if (!fields.TryGetValue(subject[SegmentRule.FieldPrefix.Length..], out var field))
                {
                    problems.Add(new ValidationError(at, "Condition " + (i + 1) + ": that contact field no longer exists. Choose another."));
                    continue;
                }

                kind = field.Kind;
                label = field.Label;
            }
            else if (subject == SegmentRule.Keyword)
            {
                kind = SegmentRule.Keyword;
                label = "Opted in by keyword";
            }
            else if (subject == SegmentRule.Added)
            {
                kind = SegmentRule.Added;
                label = "Added to the list";
            }
            else if (SegmentOps.Activities.FirstOrDefault(a => SegmentRule.ActivityPrefix + a.Activity == subject) is { Label: not null } activity)
            {
                kind = subject;
                label = activity.Label;
            }
            else
            {
                problems.Add(new ValidationError(at, $"Condition {i + 1}: choose what it is about from the list."));
                continue;
            }

            if (!SegmentOps.For(kind).Contains(op))
            {
                problems.Add(new ValidationError(at, $"Condition {i + 1}: \"{label}\" cannot be \"{SegmentOps.Label(op)}\". Choose one of: {string.Join(", ", SegmentOps.For(kind).Select(SegmentOps.Label))}."));
                continue;
            }

            if (!SegmentOps.TakesValue(op))
            {
                rules.Add(new SegmentRule(subject, op, null));
                continue;
            }

            var (normalised, problem) = await NormaliseAsync(companyId, kind, op, value, label, () => keywords, k => keywords = k, cancellationToken);
            if (problem is not null)
            {
                problems.Add(new ValidationError(at, $"Condition {i + 1}: {problem}"));
            }
            else
            {
                rules.Add(new SegmentRule(subject, op, normalised));
            }
        }

        var segment = new Segment
        {
            Id = definition.Id ?? Guid.Empty,
            CompanyId = companyId,
            Name = definition.Name?.Trim() ?? string.Empty,
            ListIds = lists,
            IncludeSubscribers = definition.IncludeSubscribers,
            Match = definition.Match,
            Rules = SegmentRule.Write(rules),
        };
        return (segment, problems);
    }

    private async Task<(string? Value, string? Problem)> NormaliseAsync(
        Guid companyId, string kind, string op, string? value, string label, Func<IReadOnlyList<CompanyKeyword>?> cached, Action<IReadOnlyList<CompanyKeyword>> remember, CancellationToken cancellationToken)
    {
        if (SegmentOps.TakesDays(op))
        {
            return SegmentOps.TryDays(value, out var days)
                ? (days.ToString(CultureInfo.InvariantCulture), null)
                : (null, $"write a number of days from 1 to {SegmentOps.MaxDays}.");
        }

        if (value is null)
        {
            return (null, $"write the value \"{label}\" is compared with.");
        }

        switch (kind)
        {
            case SegmentRule.Keyword:
                var keywords = cached() ?? await mediator.Send(new ListCompanyKeywords(companyId), cancellationToken);
                remember(keywords);
                var keyword = keywords.FirstOrDefault(k => k.Id.ToString() == value || string.Equals(k.Word, value, StringComparison.OrdinalIgnoreCase));
                return keyword is null ? (null, $"\"{value}\" is not one of your keywords. Choose one from the list.") : (keyword.Id.ToString(), null);
            case ContactFieldKinds.Number:
                return decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                    ? (number.ToString(CultureInfo.InvariantCulture), null)
                    : (null, $"\"{value}\" is not a number. Write digits with a point for decimals, for example 12.50.");
            case ContactFieldKinds.Date or SegmentRule.Added:
                return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? (date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null)
                    : (null, $"\"{value}\" is not a date. Write it as YYYY-MM-DD, for example 2026-05-31.");
            default:
                return value.Length > 200 ? (null, "the value can have at most 200 characters.") : (value, null);
        }
    }
}

internal sealed class SaveSegmentHandler(CampaignsDbContext db, ITenantContext tenant, SegmentRules check, TimeProvider clock) : IRequestHandler<SaveSegment, Guid>
{
    public async Task<Guid> Handle(SaveSegment request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var (checkedSegment, problems) = await check.CheckAsync(companyId, request.Definition, cancellationToken);
        if (problems.Count > 0)
        {
            throw new RequestValidationException(problems);
        }

        var name = checkedSegment.Name;
        if (await db.Segments.AnyAsync(s => s.CompanyId == companyId && s.Id != request.Definition.Id && s.Name.ToLower() == name.ToLower(), cancellationToken))
        {
            throw new RequestValidationException(nameof(SegmentDefinition.Name), $"You already have a segment named \"{name}\". Choose another name, or edit that one.");
        }

        var now = clock.GetUtcNow();
        Segment segment;
        if (request.Definition.Id is { } id)
        {
            segment = await db.Segments.SingleOrDefaultAsync(s => s.Id == id && s.CompanyId == companyId, cancellationToken)
                      ?? throw new RequestValidationException(string.Empty, "That segment no longer exists.");
        }
        else
        {
            segment = new Segment { Id = Guid.CreateVersion7(now), CompanyId = companyId, CreatedAt = now };
            db.Segments.Add(segment);
        }

        segment.Name = name;
        segment.ListIds = checkedSegment.ListIds;
        segment.IncludeSubscribers = checkedSegment.IncludeSubscribers;
        segment.Match = checkedSegment.Match;
        segment.Rules = checkedSegment.Rules;
        segment.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return segment.Id;
    }
}

/// <summary>
/// The live count: the definition is checked as a save would check it (problems are answered, not thrown, so the page
/// shows them as the user types), compiled, and counted in one read-only transaction.
/// </summary>
internal sealed class CountSegmentHandler(CampaignsDataSource data, ITenantContext tenant, SegmentRules check, SegmentQuery query) : IRequestHandler<CountSegment, SegmentCount>
{
    public async Task<SegmentCount> Handle(CountSegment request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var (segment, problems) = await check.CheckAsync(companyId, request.Definition, cancellationToken);
        var messages = problems.Where(p => p.Field != nameof(SegmentDefinition.Name)).Select(p => p.Message).ToList();
        if (messages.Count > 0)
        {
            return new SegmentCount(0, 0, messages);
        }

        var (people, suppressed) = await CountAsync(data, query, segment, cancellationToken);
        return new SegmentCount(people, suppressed, []);
    }

    /// <summary>Distinct numbers in the segment, and those of them the company may not message (suppressed or blocked).</summary>
    public static async Task<(long People, long Suppressed)> CountAsync(CampaignsDataSource data, SegmentQuery query, Segment segment, CancellationToken cancellationToken)
    {
        await using var connection = await data.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var compiled = await query.CompileAsync(connection, segment, cancellationToken);
        var people = compiled.Distinct ? $"({compiled.Rows}) r" : $"(SELECT DISTINCT phone FROM ({compiled.Rows}) x) r";
        await using var command = new NpgsqlCommand($"""
            SELECT count(*), count(*) FILTER (WHERE sup.phone IS NOT NULL OR blk.phone IS NOT NULL)
            FROM {people}
            LEFT JOIN campaigns.suppressions sup ON sup.company_id = @seg_company AND sup.phone = r.phone
            LEFT JOIN campaigns.blocked_numbers blk ON blk.phone = r.phone
            """, connection, transaction);
        compiled.Bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}

internal sealed class DeleteSegmentHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<DeleteSegment, string?>
{
    /// <summary>Null when deleted; otherwise why not (a campaign still to be built, or a series, uses it).</summary>
    public async Task<string?> Handle(DeleteSegment request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var segment = await db.Segments.SingleOrDefaultAsync(s => s.Id == request.Id && s.CompanyId == companyId, cancellationToken);
        if (segment is null)
        {
            return "That segment no longer exists.";
        }

        var waiting = await db.Campaigns.Where(c => c.SegmentId == segment.Id && c.CompanyId == companyId
                                                    && (c.PreparedAt == null && (c.Status == CampaignStatus.Draft || c.Status == CampaignStatus.Scheduled || c.Status == CampaignStatus.NeedsAttention)
                                                        || (c.RecurrenceId != null && db.Recurrences.Any(r => r.Id == c.RecurrenceId && r.SourceCampaignId == c.Id && r.EndedAt == null))))
            .Select(c => c.Name).FirstOrDefaultAsync(cancellationToken);
        if (waiting is not null)
        {
            return $"The campaign \"{waiting}\" still sends to this segment. Change its audience, or cancel it, first.";
        }

        db.Segments.Remove(segment);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }
}

internal sealed class ListSegmentsHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<ListSegments, IReadOnlyList<Segment>>
{
    public async Task<IReadOnlyList<Segment>> Handle(ListSegments request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.Segments.AsNoTracking().Where(s => s.CompanyId == companyId).OrderBy(s => s.Name).ToListAsync(cancellationToken);
    }
}

internal sealed class GetSegmentHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<GetSegment, Segment?>
{
    public async Task<Segment?> Handle(GetSegment request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.Segments.AsNoTracking().SingleOrDefaultAsync(s => s.Id == request.Id && s.CompanyId == companyId, cancellationToken);
    }
}
