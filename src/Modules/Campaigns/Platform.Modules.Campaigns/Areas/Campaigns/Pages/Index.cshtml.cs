using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages;

/// <summary>The company's campaigns, newest first, with their counters (kept on the row, never counted).</summary>
internal sealed class IndexModel(CampaignsDbContext db, ITenantContext tenant) : PageModel
{
    public IReadOnlyList<Campaign> Campaigns { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        Campaigns = await db.Campaigns.AsNoTracking()
            .Where(c => c.CompanyId == companyId && c.Kind == CampaignKinds.Campaign)
            .OrderByDescending(c => c.CreatedAt)
            .Take(200)
            .ToListAsync(cancellationToken);
    }
}
