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
/// Write a segment (/Campaigns/Segments/Edit/{id?}): name, who it starts from, the rules, and a live count of who is in
/// it as the form changes (GET ?handler=Count, from wwwroot/js/campaigns.js). "Add a condition" and "Remove" post the
/// form back, so the page works without script too.
/// </summary>
internal sealed class EditModel(IMediator mediator, CampaignsDbContext db, ITenantContext tenant) : PageModel
{
    [BindProperty]
    public SegmentDefinition Input { get; set; } = new();

    public IReadOnlyList<ContactList> Lists { get; private set; } = [];

    public IReadOnlyList<ContactField> Fields { get; private set; } = [];

    public IReadOnlyList<CompanyKeyword> Keywords { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid? id, CancellationToken cancellationToken)
    {
        if (id is { } existing)
        {
            if (await mediator.Send(new GetSegment(existing), cancellationToken) is not { } segment)
            {
                return NotFound();
            }

            await LoadChoicesAsync(cancellationToken);
            Input = new SegmentDefinition
            {
                Id = segment.Id,
                Name = segment.Name,
                ListIds = [.. segment.ListIds],
                IncludeSubscribers = segment.IncludeSubscribers,
                Match = segment.Match,
                // Keywords are kept by id and shown by word (the save takes either).
                Rules = segment.ReadRules().Select(r => new SegmentRuleInput
                {
                    Subject = r.Subject,
                    Op = r.Op,
                    Value = r.Subject == SegmentRule.Keyword ? Keywords.FirstOrDefault(k => k.Id.ToString() == r.Value)?.Word ?? r.Value : r.Value,
                }).ToList(),
            };
        }
        else
        {
            await LoadChoicesAsync(cancellationToken);
        }

        WithEmptyRow();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        Input.Rules = Input.Rules.Where(r => !string.IsNullOrWhiteSpace(r.Subject)).ToList();
        var (ok, _) = await mediator.TrySendAsync(new SaveSegment(Input), ModelState, cancellationToken: cancellationToken);
        if (ok)
        {
            TempData["Message"] = $"Saved the segment {Input.Name.Trim()}. Send a campaign to it from New campaign → Audience.";
            return RedirectToPage("/Segments/Index");
        }

        await LoadChoicesAsync(cancellationToken);
        WithEmptyRow();
        return Page();
    }

    public async Task<IActionResult> OnPostAddRuleAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        await LoadChoicesAsync(cancellationToken);
        Input.Rules = Input.Rules.Where(r => !string.IsNullOrWhiteSpace(r.Subject)).ToList();
        WithEmptyRow();
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveRuleAsync(int index, CancellationToken cancellationToken)
    {
        ModelState.Clear();
        await LoadChoicesAsync(cancellationToken);
        if (index >= 0 && index < Input.Rules.Count)
        {
            Input.Rules.RemoveAt(index);
        }

        Input.Rules = Input.Rules.Where(r => !string.IsNullOrWhiteSpace(r.Subject)).ToList();
        WithEmptyRow();
        return Page();
    }

    /// <summary>The live count of the form as it stands (nothing saved); problems come back as text, never as an error page.</summary>
    public async Task<IActionResult> OnGetCountAsync([FromQuery(Name = "Input")] SegmentDefinition? input, CancellationToken cancellationToken)
    {
        var definition = input ?? new SegmentDefinition();
        definition.Rules = definition.Rules.Where(r => !string.IsNullOrWhiteSpace(r.Subject)).Take(SegmentRules.MaxRules + 1).ToList();
        var count = await mediator.Send(new CountSegment(definition), cancellationToken);
        return new JsonResult(new { people = count.People, suppressed = count.Suppressed, sendable = count.Sendable, problems = count.Problems });
    }

    /// <summary>One empty row at the end: the next condition is written there.</summary>
    private void WithEmptyRow()
    {
        if (Input.Rules.Count < SegmentRules.MaxRules)
        {
            Input.Rules.Add(new SegmentRuleInput());
        }
    }

    private async Task LoadChoicesAsync(CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        Lists = await db.ContactLists.AsNoTracking().Where(l => l.CompanyId == companyId).OrderBy(l => l.Name).ToListAsync(cancellationToken);
        Fields = await db.ContactFields.AsNoTracking().Where(f => f.CompanyId == companyId).OrderBy(f => f.Label).ToListAsync(cancellationToken);
        Keywords = await mediator.Send(new ListCompanyKeywords(companyId), cancellationToken);
    }

    /// <summary>Which operators each subject takes, for the page's script (it hides the others), space-separated.</summary>
    public static string KindsTaking(string op)
    {
        string[] kinds = [ContactFieldKinds.Text, ContactFieldKinds.Number, ContactFieldKinds.Date, ContactFieldKinds.Choice, SegmentRule.Keyword, SegmentRule.Added, "activity"];
        return string.Join(' ', kinds.Where(k => SegmentOps.For(k).Contains(op)));
    }
}
