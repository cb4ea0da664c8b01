using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features;

/// <summary>Creates (no id) or edits a saved template of the signed-in company; every save is kept in its history. Answers its id.</summary>
internal sealed class SaveTemplate : IRequest<Guid>
{
    public Guid? Id { get; set; }

    [Required(ErrorMessage = "Give the template a name.")]
    [StringLength(100, ErrorMessage = "The name can have at most 100 characters.")]
    public string Name { get; set; } = string.Empty;

    [Required(ErrorMessage = MessageTemplate.Missing)]
    [StringLength(MessageTemplate.MaxLength, ErrorMessage = MessageTemplate.TooLong)]
    public string Body { get; set; } = string.Empty;

    [StringLength(200, ErrorMessage = "The tags can have at most 200 characters together.")]
    public string? Tags { get; set; }

    /// <summary>"promo , Weekend,,promo" → "promo, Weekend": trimmed, empty and repeated tags dropped (any case).</summary>
    public string TidyTags() =>
        string.Join(", ", (Tags ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.OrdinalIgnoreCase));
}

internal sealed class SaveTemplateHandler(CampaignsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<SaveTemplate, Guid>
{
    public async Task<Guid> Handle(SaveTemplate request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var name = request.Name.Trim();
        var now = clock.GetUtcNow();
        await db.RequireKnownPlaceholdersAsync(companyId, request.Body, nameof(request.Body), cancellationToken);
        if (await db.Templates.AnyAsync(t => t.CompanyId == companyId && t.Id != request.Id && t.Name.ToLower() == name.ToLower(), cancellationToken))
        {
            throw new RequestValidationException(nameof(request.Name), $"You already have a template named \"{name}\". Choose another name, or edit that one.");
        }

        MessageTemplateEntry template;
        if (request.Id is { } id)
        {
            template = await db.Templates.SingleOrDefaultAsync(t => t.Id == id && t.CompanyId == companyId, cancellationToken)
                       ?? throw new RequestValidationException(string.Empty, "That template no longer exists.");
        }
        else
        {
            template = new MessageTemplateEntry { Id = Guid.CreateVersion7(now), CompanyId = companyId, CreatedAt = now };
            db.Templates.Add(template);
        }

        template.Name = name;
        template.Body = request.Body;
        template.Tags = request.TidyTags();
        template.UpdatedAt = now;
        db.TemplateVersions.Add(new MessageTemplateVersion
        {
            TemplateId = template.Id, Name = template.Name, Body = template.Body, Tags = template.Tags, SavedBy = tenant.UserId, SavedAt = now,
        });
        // One statement each, one transaction: the template and its history entry are saved together.
        await db.SaveChangesAsync(cancellationToken);
        return template.Id;
    }
}

/// <summary>Deletes one of the company's templates and its history; campaigns made from it keep their text.</summary>
internal sealed record DeleteTemplate(Guid Id) : IRequest<bool>;

internal sealed class DeleteTemplateHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<DeleteTemplate, bool>
{
    public async Task<bool> Handle(DeleteTemplate request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.Templates.Where(t => t.Id == request.Id && t.CompanyId == companyId).ExecuteDeleteAsync(cancellationToken) == 1;
    }
}

/// <summary>The company's templates whose name or tags contain <paramref name="Search"/> (any case), most recently saved first.</summary>
internal sealed record ListTemplates(string? Search) : IRequest<IReadOnlyList<MessageTemplateEntry>>
{
    public const int Limit = 200;
}

internal sealed class ListTemplatesHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<ListTemplates, IReadOnlyList<MessageTemplateEntry>>
{
    public async Task<IReadOnlyList<MessageTemplateEntry>> Handle(ListTemplates request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var query = db.Templates.AsNoTracking().Where(t => t.CompanyId == companyId);
        if (!string.IsNullOrWhiteSpace(request.Search))
        {
            var pattern = $"%{request.Search.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal)}%";
            query = query.Where(t => EF.Functions.ILike(t.Name, pattern) || EF.Functions.ILike(t.Tags, pattern));
        }

        return await query.OrderByDescending(t => t.UpdatedAt).Take(ListTemplates.Limit).ToListAsync(cancellationToken);
    }
}

/// <summary>One of the company's templates with its last saves (newest first); null when it is not one of theirs.</summary>
internal sealed record GetTemplate(Guid Id) : IRequest<(MessageTemplateEntry Template, IReadOnlyList<MessageTemplateVersion> History)?>
{
    public const int HistoryShown = 20;
}

internal sealed class GetTemplateHandler(CampaignsDbContext db, ITenantContext tenant)
    : IRequestHandler<GetTemplate, (MessageTemplateEntry Template, IReadOnlyList<MessageTemplateVersion> History)?>
{
    public async Task<(MessageTemplateEntry Template, IReadOnlyList<MessageTemplateVersion> History)?> Handle(GetTemplate request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == request.Id && t.CompanyId == companyId, cancellationToken);
        if (template is null)
        {
            return null;
        }

        var history = await db.TemplateVersions.AsNoTracking().Where(v => v.TemplateId == template.Id)
            .OrderByDescending(v => v.Id).Take(GetTemplate.HistoryShown).ToListAsync(cancellationToken);
        return (template, history);
    }
}
