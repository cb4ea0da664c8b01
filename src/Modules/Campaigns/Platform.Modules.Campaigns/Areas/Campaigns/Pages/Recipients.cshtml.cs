using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Campaigns.Features.Reports;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages;

/// <summary>
/// A campaign's per-recipient report: every message with its number, contact, status, carrier error and its meaning, parts
/// and times, filtered by status and number, in pages of 50 by id; the failure reasons grouped; the same rows as a streamed CSV.
/// </summary>
internal sealed class RecipientsModel(CampaignsDbContext db, ITenantContext tenant, RecipientReport report, CompanyCountry country) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "status")]
    public string Status { get; set; } = "all";

    [BindProperty(SupportsGet = true, Name = "number")]
    public string? Number { get; set; }

    [BindProperty(SupportsGet = true, Name = "after")]
    public long After { get; set; }

    public Campaign Campaign { get; private set; } = null!;

    public IReadOnlyList<RecipientLine> Lines { get; private set; } = [];

    public bool HasMore { get; private set; }

    /// <summary>Null when the campaign has too many failures to group on a page load (the CSV has every one).</summary>
    public IReadOnlyList<FailureReason>? Reasons { get; private set; }

    /// <summary>Why the number search found nothing to look for (not a number), shown under the field.</summary>
    public string? NumberError { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is not { } campaign || await FilterAsync(cancellationToken) is not { } filter)
        {
            return NotFound();
        }

        Campaign = campaign;
        if (NumberError is null)
        {
            var lines = await report.PageAsync(campaign.CompanyId, id, filter.States, filter.Phone, Math.Max(After, 0), RecipientReport.PageSize + 1, cancellationToken);
            Lines = lines.Take(RecipientReport.PageSize).ToList();
            HasMore = lines.Count > RecipientReport.PageSize;
        }

        // The counters say how many failed without counting: group them only when that stays quick.
        if ((long)campaign.Failed + campaign.Expired + campaign.Unknown is > 0 and <= RecipientReport.MaxGroupedFailures)
        {
            Reasons = await report.FailureReasonsAsync(campaign.CompanyId, id, cancellationToken);
        }
        else if ((long)campaign.Failed + campaign.Expired + campaign.Unknown == 0)
        {
            Reasons = [];
        }

        return Page();
    }

    /// <summary>The report as CSV, with the page's filters, streamed as it is read.</summary>
    public async Task<IActionResult> OnGetCsvAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is not { } campaign || await FilterAsync(cancellationToken) is not { } filter || NumberError is not null)
        {
            return NotFound();
        }

        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"recipients-{id:N}.csv\"";
        await report.WriteCsvAsync(Response.Body, campaign.CompanyId, id, filter.States, filter.Phone, cancellationToken);
        return new EmptyResult();
    }

    private Task<Campaign?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return db.Campaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id && c.CompanyId == companyId, cancellationToken);
    }

    /// <summary>The status filter's states (null: not a filter we know, 404) and the number searched for, in E.164.</summary>
    private async Task<(MessageState[] States, string? Phone)?> FilterAsync(CancellationToken cancellationToken)
    {
        if (RecipientStatusFilter.StatesOf(Status) is not { } states)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(Number))
        {
            return (states, null);
        }

        var parsed = PhoneNumbers.Parse(Number, await country.GetAsync(cancellationToken));
        if (parsed.E164 is { } e164)
        {
            return (states, e164);
        }

        NumberError = $"\"{Number.Trim()}\" is not a phone number: {parsed.Error}";
        return (states, null);
    }
}
