using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features.Segments;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Segments;

/// <summary>
/// The company's segments (/Campaigns/Segments): each with who it starts from and its rules in words. No counts here —
/// counting every segment on each visit would read all the contacts; the edit page counts the one being written.
/// </summary>
internal sealed class IndexModel(IMediator mediator, SegmentWords words) : PageModel
{
    public IReadOnlyList<(Segment Segment, string From, IReadOnlyList<string> Rules)> Segments { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        Problem = await mediator.Send(new DeleteSegment(id), cancellationToken);
        if (Problem is not null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        Message = "Deleted the segment. Campaigns already sent to it keep their recipients.";
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var segments = await mediator.Send(new ListSegments(), cancellationToken);
        var vocabulary = await words.LoadAsync(cancellationToken);
        Segments = segments.Select(s => (s, vocabulary.From(s), (IReadOnlyList<string>)s.ReadRules().Select(vocabulary.Rule).ToList())).ToList();
    }
}

/// <summary>Says a segment in words: its lists by name, its fields by label, its keywords by word.</summary>
internal sealed class SegmentWords(CampaignsDbContext db, ITenantContext tenant, IMediator mediator)
{
    public async Task<Vocabulary> LoadAsync(CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var lists = await db.ContactLists.AsNoTracking().Where(l => l.CompanyId == companyId).ToDictionaryAsync(l => l.Id, l => l.Name, cancellationToken);
        var fields = await db.ContactFields.AsNoTracking().Where(f => f.CompanyId == companyId).ToDictionaryAsync(f => f.Key, f => f.Label, cancellationToken);
        var keywords = (await mediator.Send(new ListCompanyKeywords(companyId), cancellationToken)).ToDictionary(k => k.Id.ToString(), k => k.Word);
        return new Vocabulary(lists, fields, keywords);
    }

    internal sealed record Vocabulary(IReadOnlyDictionary<Guid, string> Lists, IReadOnlyDictionary<string, string> Fields, IReadOnlyDictionary<string, string> Keywords)
    {
        public string From(Segment segment)
        {
            var lists = segment.ListIds.Length == 0 ? "All your lists" : string.Join(", ", segment.ListIds.Select(id => Lists.GetValueOrDefault(id, "(a deleted list)")));
            return segment.IncludeSubscribers ? lists + " and your keyword subscribers" : lists;
        }

        public string Rule(SegmentRule rule)
        {
            var subject = rule.FieldKey is { } key ? Fields.GetValueOrDefault(key, key)
                : rule.Subject == SegmentRule.Keyword ? "Opted in by keyword"
                : rule.Subject == SegmentRule.Added ? "Added"
                : SegmentOps.Activities.FirstOrDefault(a => a.Activity == rule.Activity).Label ?? rule.Subject;
            var value = rule.Subject == SegmentRule.Keyword ? Keywords.GetValueOrDefault(rule.Value ?? string.Empty, "(a deleted keyword)") : rule.Value;
            var op = SegmentOps.Label(rule.Op);
            if (SegmentOps.TakesDays(rule.Op))
            {
                return $"{subject} {op.Replace("…", value, StringComparison.Ordinal)}";
            }

            return SegmentOps.TakesValue(rule.Op) ? $"{subject} {op} \"{value}\"" : $"{subject} {op}";
        }
    }
}
