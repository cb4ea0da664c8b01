using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Campaigns.Features.TwoWay;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Inbox;

/// <summary>
/// The inbox ("active chat"): the company's conversations newest first, 50 a page, open / done / all, with search. It
/// updates itself: the Events handler streams the unread count whenever the company's inbox changes (server-sent events
/// fed by the host's one LISTEN connection), and the page then reloads its rows.
/// </summary>
internal sealed class IndexModel(
    InboxStore inbox, InboxNotifications notifications, ITenantContext tenant, TimeProvider clock, IOptions<CampaignsOptions> options,
    CompanyCountry companyCountry) : PageModel
{
    public const int PageSize = 50;

    /// <summary>How often an idle stream sends a comment line, so proxies keep it open and a closed tab is noticed.</summary>
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(20);

    /// <summary>At most one update a second per open page, however many messages arrive (the campaign page's pace).</summary>
    private static readonly TimeSpan MinimumGap = TimeSpan.FromSeconds(1);

    public string Filter { get; private set; } = InboxFilters.Open;

    public string? Search { get; private set; }

    public string? Before { get; private set; }

    public InboxPage Threads { get; private set; } = new([], null);

    /// <summary>The company's country: a number is shown as it is dialled there.</summary>
    public string Country { get; private set; } = PhoneCountries.Fallback;

    /// <summary>The retention setting in words ("12 months").</summary>
    public string Retention => InboxText.Duration(options.Value.InboxRetention);

    public async Task OnGetAsync(string? filter, string? q, string? before, CancellationToken cancellationToken) =>
        await LoadAsync(filter, q, before, cancellationToken);

    /// <summary>The rows alone, for the live refresh of an open page (same filter, search and page).</summary>
    public async Task<IActionResult> OnGetRowsAsync(string? filter, string? q, string? before, CancellationToken cancellationToken)
    {
        await LoadAsync(filter, q, before, cancellationToken);
        return Partial("_InboxRows", this);
    }

    /// <summary>
    /// Server-sent events: <c>{"unread": n}</c> now and whenever the company's inbox changes (a message, a reply, a thread
    /// read or marked done, on any node). Waits on this host's listener; it never polls the database.
    /// </summary>
    public async Task<IActionResult> OnGetEventsAsync(CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        using var subscription = notifications.Subscribe(companyId);
        Response.ContentType = "text/event-stream";
        Response.Headers.CacheControl = "no-cache";
        try
        {
            var sent = DateTimeOffset.MinValue;
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = sent + MinimumGap - clock.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, clock, cancellationToken);
                }

                var unread = await inbox.CountUnreadAsync(companyId, cancellationToken);
                await Response.WriteAsync($"data: {JsonSerializer.Serialize(new { unread }, JsonSerializerOptions.Web)}\n\n", cancellationToken);
                await Response.Body.FlushAsync(cancellationToken);
                sent = clock.GetUtcNow();
                while (!await subscription.WaitAsync(KeepAlive, cancellationToken))
                {
                    await Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await Response.Body.FlushAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The browser went away.
        }

        return new EmptyResult();
    }

    private async Task LoadAsync(string? filter, string? q, string? before, CancellationToken cancellationToken)
    {
        Filter = InboxFilters.Normalize(filter);
        Search = InboxStore.NormalizeSearch(q);
        Before = InboxStore.TryParseCursor(before, out _, out _) ? before : null;
        Threads = await inbox.ListAsync(tenant.RequireCompanyId(), Filter, Search, Before, PageSize, cancellationToken);
        Country = await companyCountry.GetAsync(cancellationToken);
    }

    /// <summary>Where the live refresh fetches this page's rows (same filter, search and page).</summary>
    public string RowsUrl => "/Campaigns/Inbox/Rows" + Query(Filter, Before, keepSearch: true);

    /// <summary>The list's address with one thing changed (filter, search or page), for links.</summary>
    public string Link(string? filter = null, string? before = null, bool keepSearch = true) =>
        "/Campaigns/Inbox" + Query(filter ?? Filter, before, keepSearch);

    private string Query(string f, string? before, bool keepSearch)
    {
        var query = new List<string>();
        if (f != InboxFilters.Open)
        {
            query.Add("filter=" + Uri.EscapeDataString(f));
        }

        if (keepSearch && Search is not null)
        {
            query.Add("q=" + Uri.EscapeDataString(Search));
        }

        if (before is not null)
        {
            query.Add("before=" + Uri.EscapeDataString(before));
        }

        return query.Count == 0 ? string.Empty : "?" + string.Join('&', query);
    }
}
