using System.Globalization;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages;

/// <summary>One campaign: its counters, a live progress bar and chart (server-sent events), and pause/resume/cancel.</summary>
internal sealed class DetailsModel(
    CampaignsDbContext db, ITenantContext tenant, IMediator mediator, TimeProvider clock, CampaignPageCache cache, Microsoft.Extensions.Options.IOptions<CampaignsOptions> options)
    : PageModel
{
    public TimeSpan ReceiptTimeout => options.Value.ReceiptTimeout;

    public Campaign Campaign { get; private set; } = null!;

    public IReadOnlyList<string> ListNames { get; private set; } = [];

    /// <summary>The series the campaign belongs to, if it repeats or was made by one (ADR 34).</summary>
    public CampaignRecurrence? Recurrence { get; private set; }

    /// <summary>The campaign's tracked links with their clicks (none when it does not track links).</summary>
    public IReadOnlyList<LinkCount> Links { get; private set; } = [];

    /// <summary>An A/B test's variants with their counts (ADR 36); none when the campaign is not a test.</summary>
    public IReadOnlyList<CampaignVariant> Variants { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        // A snapshot at most a second old, shared by every viewer of this campaign (CampaignPageCache says why).
        if (await cache.GetAsync(tenant.RequireCompanyId(), id, cancellationToken) is not { } snapshot)
        {
            return NotFound();
        }

        Campaign = snapshot.Campaign;
        ListNames = snapshot.ListNames;
        Links = await LinkCount.OfAsync(db, Campaign, cancellationToken);
        // At most five rows, counted by the campaigns.ab-winner job (the page never counts messages), in the snapshot.
        Variants = snapshot.Variants;
        Recurrence = Campaign.RecurrenceId is { } series
            ? await db.Recurrences.AsNoTracking().SingleOrDefaultAsync(r => r.Id == series && r.CompanyId == Campaign.CompanyId, cancellationToken)
            : null;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, string action, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is null)
        {
            return NotFound();
        }

        var (ok, message) = await mediator.TrySendAsync(new ChangeCampaignState(id, action), ModelState, cancellationToken: cancellationToken);
        cache.Forget(tenant.RequireCompanyId(), id);
        Message = ok ? message : string.Join(" ", ModelState.Values.SelectMany(v => v.Errors).Select(e => e.ErrorMessage));
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostStopRepeatingAsync(Guid id, CancellationToken cancellationToken)
    {
        Message = await mediator.Send(new StopRepeating(id), cancellationToken);
        cache.Forget(tenant.RequireCompanyId(), id);
        return RedirectToPage(new { id });
    }

    /// <summary>
    /// Server-sent events: the counters once a second while the page is open (one indexed row read each time),
    /// until the campaign is final and every message has its outcome.
    /// </summary>
    public async Task<IActionResult> OnGetEventsAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is null)
        {
            return NotFound();
        }

        Response.ContentType = "text/event-stream";
        Response.Headers.CacheControl = "no-cache";
        var companyId = tenant.RequireCompanyId();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == id && c.CompanyId == companyId, cancellationToken);
                var progress = Progress.Of(campaign, clock.GetUtcNow(), options.Value.ReceiptTimeout) with
                {
                    Links = await LinkCount.OfAsync(db, campaign, cancellationToken),
                };
                await Response.WriteAsync($"data: {JsonSerializer.Serialize(progress, JsonSerializerOptions.Web)}\n\n", cancellationToken);
                await Response.Body.FlushAsync(cancellationToken);
                if (progress.Finished)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The browser went away.
        }

        return new EmptyResult();
    }

    private Task<Campaign?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return db.Campaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id && c.CompanyId == companyId && c.Kind == CampaignKinds.Campaign, cancellationToken);
    }
}

/// <summary>What the progress stream sends: counters, the share processed, and whether it is over.</summary>
internal sealed record Progress(
    string Status, int Targeted, int Suppressed, int Submitted, int Delivered, int Failed, int Expired, int Unknown, int Pending,
    int Percent, bool Finished, DateTimeOffset At, string? AttentionReason, string Credits, string? PendingNote, string? QuietNote)
{
    /// <summary>Clicks per tracked link, sent with the counters so the page shows them live.</summary>
    public IReadOnlyList<LinkCount> Links { get; init; } = [];

    /// <param name="receiptTimeout">How long the platform waits for a delivery receipt (<c>Platform:Campaigns:ReceiptTimeout</c>).</param>
    public static Progress Of(Campaign c, DateTimeOffset now, TimeSpan receiptTimeout)
    {
        var percent = c.Targeted == 0 ? (c.PreparedAt is null ? 0 : 100) : (int)Math.Min(100, 100L * c.Processed / c.Targeted);
        var final = CampaignLifecycle.IsAtRest(c.Status);
        return new Progress(c.Status, c.Targeted, c.Suppressed, c.Submitted, c.Delivered, c.Failed, c.Expired, c.Unknown, c.Pending,
            percent, final && (c.Pending == 0 || c.Status != CampaignStatus.Completed), now, c.AttentionReason, CreditsText(c), AwaitingReceipts(c, percent, receiptTimeout), HeldByQuietHours(c, now));
    }

    /// <summary>
    /// Why a campaign at 100% (or completed) still has pending messages: every message went to the carriers and their
    /// receipts are awaited — said with how long, so "100%" next to "Pending 20" is not read as something stuck.
    /// </summary>
    public static string? AwaitingReceipts(Campaign c, int percent, TimeSpan receiptTimeout) =>
        c.Pending > 0 && (percent >= 100 || c.Status == CampaignStatus.Completed) && c.Status is CampaignStatus.Sending or CampaignStatus.Completed
            ? $"Every message has gone to the carriers; waiting for {c.Pending:N0} delivery receipt{(c.Pending == 1 ? string.Empty : "s")}. "
              + $"Carriers send them within {Duration(receiptTimeout)}; a message still without one then counts as Expired (no receipt)."
            : null;

    /// <summary>
    /// Which recipients wait for quiet hours to end, and when sending resumes: while a campaign that keeps quiet hours is
    /// sending and some of its recipients' zones are inside them now (the zones noted when the audience was built).
    /// </summary>
    public static string? HeldByQuietHours(Campaign c, DateTimeOffset now)
    {
        if (!c.RespectQuietHours || c.Status != CampaignStatus.Sending || c.Pending == 0)
        {
            return null;
        }

        var held = c.TimeZones.Where(zone => !Sending.QuietHours.IsOpen(now, zone, c.QuietStart, c.QuietEnd)).Order(StringComparer.Ordinal).ToList();
        if (held.Count == 0)
        {
            return null;
        }

        var next = held.Min(zone => Sending.QuietHours.NextOpening(now, zone, c.QuietStart, c.QuietEnd));
        var where = held.Count <= 3 ? string.Join(", ", held) : $"{string.Join(", ", held.Take(3))} and {held.Count - 3} more zones";
        return (held.Count == c.TimeZones.Length ? "Every recipient is in quiet hours now" : $"Recipients in {where} are in quiet hours now")
               + $" ({c.QuietStart.ToString("HH:mm", CultureInfo.InvariantCulture)}–{c.QuietEnd.ToString("HH:mm", CultureInfo.InvariantCulture)} their time is when messages go); their messages wait, and the next"
               + $" window opens at {next.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.";
    }

    private static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours:0.#} hours" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} minutes" : $"{span.TotalSeconds:0} seconds";

    /// <summary>What the credits line says: reserved while it runs, then what was spent (the rest went back).</summary>
    public static string CreditsText(Campaign c) =>
        c.SettledAt is null ? $"{c.ReservedCredits} reserved" : $"{c.ReservedCredits} reserved, {c.SpentCredits} spent (the rest released)";
}

/// <summary>What the campaign page says about an A/B test (ADR 36), from the campaign row and its variants' counts.</summary>
internal static class AbTestView
{
    public static string MetricName(string? metric) => metric == AbMetrics.Clicks ? "click rate" : "delivery rate";

    /// <summary>The variant's rate by the test's metric, as the winner job compares them ("—" before anything was sent).</summary>
    public static string Rate(Campaign c, CampaignVariant v) =>
        v.Sent == 0 ? "—" : (100.0 * (c.AbMetric == AbMetrics.Clicks ? v.Clicked : v.Delivered) / v.Sent).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    public static string Summary(Campaign c)
    {
        var setup = $"{c.AbTestPercent}% of the audience in the test, the winner by {MetricName(c.AbMetric)} {c.AbWindowHours} hour{(c.AbWindowHours == 1 ? "" : "s")} after sending"
                    + (c.AbTestPercent == 100 ? "." : c.AbSendRest ? ", then sent to the rest." : "; the rest are not sent anything.");
        if (c.AbDecidedAt is { } decided && c.AbWinner is { } winner)
        {
            var rest = c.AbRestSent switch
            {
                true => $" The winner was queued for the {c.AbHeld:N0} recipients held for it.",
                false when c.AbHeld > 0 => $" The {c.AbHeld:N0} recipients held were not sent anything (their credits are released).",
                _ => string.Empty,
            };
            return $"{setup} Variant {CampaignVariant.Letter(winner)} won, decided at {decided.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.{rest}";
        }

        if (c.AbDecideAt is { } at)
        {
            return $"{setup} Decides at {at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC"
                   + (c.AbHeld > 0 ? $"; {c.AbHeld:N0} recipients are held until then." : ".");
        }

        return $"{setup} The split is made when the audience is built.";
    }
}

/// <summary>One tracked link of a campaign: its place in the text, its address, all clicks and the recipients who clicked.</summary>
internal sealed record LinkCount(int Index, string Url, long Clicks, long UniqueClicks)
{
    /// <summary>From the counters kept per link (at most nine rows), never by counting clicks.</summary>
    public static async Task<IReadOnlyList<LinkCount>> OfAsync(CampaignsDbContext db, Campaign campaign, CancellationToken cancellationToken)
    {
        if (!campaign.TrackLinks || Features.Links.TrackedLinks.Find(campaign.Body) is not { Count: > 0 } urls)
        {
            return [];
        }

        var stats = await db.Set<LinkStat>().AsNoTracking().Where(s => s.CampaignId == campaign.Id).ToDictionaryAsync(s => (int)s.LinkIndex, cancellationToken);
        return urls.Select((url, i) => stats.TryGetValue(i, out var s) ? new LinkCount(i, url, s.Clicks, s.UniqueClicks) : new LinkCount(i, url, 0, 0)).ToList();
    }
}
