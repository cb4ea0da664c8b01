using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Campaigns.Domain;

namespace Platform.Modules.Campaigns.Features;

/// <summary>
/// What the campaign page shows of a campaign: the row (counters included), the names of its lists, and an A/B test's
/// variants with their counts (ADR 36; none without a test), read together so they agree.
/// </summary>
internal sealed record CampaignPageSnapshot(Campaign Campaign, IReadOnlyList<string> ListNames, IReadOnlyList<CampaignVariant> Variants);

/// <summary>
/// The campaign page's data, read at most once a second per campaign and shared by everyone looking at it. A campaign
/// that sends is watched by its team, often with several tabs that reload; each load used to read the campaign and its
/// lists while the same database was busy sending (docs/benchmarks.md: p95 of seconds at 200 loads/s). The counters
/// move every second anyway and the page's live part comes from the server-sent events stream, so a snapshot up to
/// one second old shows the same thing. Keyed by company and campaign: a company never gets another's snapshot.
/// Changes made through this node (pause, resume, cancel, edit) drop the snapshot so the next load shows them.
/// Ages are measured on the monotonic clock, not the platform's TimeProvider, which tests may stop.
/// </summary>
internal sealed class CampaignPageCache(IServiceScopeFactory scopes)
{
    private static readonly long Lifetime = Stopwatch.Frequency;
    private const int SweepAbove = 1_000;
    private readonly ConcurrentDictionary<(Guid Company, Guid Campaign), Entry> entries = new();

    public async Task<CampaignPageSnapshot?> GetAsync(Guid companyId, Guid campaignId, CancellationToken cancellationToken)
    {
        var key = (companyId, campaignId);
        var now = Stopwatch.GetTimestamp();
        if (entries.TryGetValue(key, out var cached) && cached.Expires > now && !cached.Load.IsFaulted && !cached.Load.IsCanceled)
        {
            return await cached.Load.WaitAsync(cancellationToken);
        }

        // One reader per campaign per second: whoever comes first loads, the others await the same task. The load
        // does not take the first caller's cancellation, so one closed tab cannot fail everyone else's page.
        var entry = new Entry(now + Lifetime, LoadAsync(companyId, campaignId));
        entries[key] = entry;
        if (entries.Count > SweepAbove)
        {
            foreach (var (staleKey, stale) in entries)
            {
                if (stale.Expires <= now)
                {
                    entries.TryRemove(new KeyValuePair<(Guid, Guid), Entry>(staleKey, stale));
                }
            }
        }

        return await entry.Load.WaitAsync(cancellationToken);
    }

    public void Forget(Guid companyId, Guid campaignId) => entries.TryRemove((companyId, campaignId), out _);

    private async Task<CampaignPageSnapshot?> LoadAsync(Guid companyId, Guid campaignId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CampaignsDbContext>();
        var campaign = await db.Campaigns.AsNoTracking()
            .SingleOrDefaultAsync(c => c.Id == campaignId && c.CompanyId == companyId && c.Kind == CampaignKinds.Campaign);
        if (campaign is null)
        {
            return null;
        }

        var names = campaign.ListIds.Length == 0
            ? []
            : await db.ContactLists.AsNoTracking()
                .Where(l => l.CompanyId == companyId && campaign.ListIds.Contains(l.Id)).Select(l => l.Name).ToListAsync();
        if (campaign.SegmentId is { } segmentId)
        {
            // The audience is a segment: it is named, as lists are.
            names = await db.Segments.AsNoTracking().Where(x => x.Id == segmentId && x.CompanyId == companyId).Select(x => "Segment " + x.Name).ToListAsync();
        }

        var variants = campaign.IsAbTest
            ? await db.CampaignVariants.AsNoTracking().Where(v => v.CampaignId == campaignId && v.CompanyId == companyId).OrderBy(v => v.Variant).ToListAsync()
            : [];
        return new CampaignPageSnapshot(campaign, names, variants);
    }

    private sealed record Entry(long Expires, Task<CampaignPageSnapshot?> Load);
}
