using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Modules.Campaigns.Features.Links;

/// <summary>One counted click: which message's which link, when.</summary>
internal readonly record struct ClickToRecord(long MessageId, int LinkIndex, Guid CampaignId, Guid CompanyId, DateTimeOffset At);

/// <summary>
/// Writes clicks in batches (one statement per batch, at most every 200 ms): the redirect never waits for the database
/// write, and a burst of clicks is a handful of statements. A host that dies loses at most the clicks of its last 200 ms.
/// </summary>
internal sealed class LinkClickWriter(CampaignsDataSource data, ILogger<LinkClickWriter> logger) : BackgroundService
{
    private const int MaxBatch = 2000;

    // Bounded: if the database stalls, clicks beyond this are dropped rather than held without limit (the redirect still works).
    private readonly Channel<ClickToRecord> clicks = Channel.CreateBounded<ClickToRecord>(new BoundedChannelOptions(100_000)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    public void Record(ClickToRecord click) => clicks.Writer.TryWrite(click);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<ClickToRecord>(MaxBatch);
        try
        {
            while (await clicks.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
                while (batch.Count < MaxBatch && clicks.Reader.TryRead(out var click))
                {
                    batch.Add(click);
                }

                await WriteAsync(batch, CancellationToken.None);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what was read is written below.
        }

        while (clicks.Reader.TryRead(out var click))
        {
            batch.Add(click);
        }

        await WriteAsync(batch, CancellationToken.None);
    }

    private async Task WriteAsync(List<ClickToRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            // Per (message, link): the first click makes the row and counts one unique click; every click counts one click.
            await using var command = data.Source.CreateCommand(
                """
                WITH input AS (
                    SELECT * FROM unnest(@messages, @links, @campaigns, @companies, @at) AS t(message_id, link_index, campaign_id, company_id, at)
                    -- A redirect answered from memory may outlive its message by a few minutes (a campaign deleted): such a
                    -- click is left out here rather than failing the whole batch on the foreign key.
                    WHERE EXISTS (SELECT FROM campaigns.messages m WHERE m.id = t.message_id AND m.campaign_id = t.campaign_id)),
                grouped AS (
                    SELECT message_id, link_index::smallint AS link_index, campaign_id, company_id, min(at) AS first_at, max(at) AS last_at, count(*)::int AS n
                    FROM input GROUP BY message_id, link_index, campaign_id, company_id),
                upserted AS (
                    INSERT INTO campaigns.link_clicks AS c (message_id, link_index, campaign_id, company_id, first_clicked_at, last_clicked_at, clicks)
                    SELECT message_id, link_index, campaign_id, company_id, first_at, last_at, n FROM grouped
                    ON CONFLICT (message_id, link_index) DO UPDATE
                        SET last_clicked_at = greatest(c.last_clicked_at, EXCLUDED.last_clicked_at), clicks = c.clicks + EXCLUDED.clicks
                    RETURNING c.message_id, c.link_index, c.campaign_id, (c.xmax = 0) AS inserted)
                INSERT INTO campaigns.link_stats AS s (campaign_id, link_index, clicks, unique_clicks)
                SELECT u.campaign_id, u.link_index, sum(g.n), count(*) FILTER (WHERE u.inserted)
                FROM upserted u JOIN grouped g ON g.message_id = u.message_id AND g.link_index = u.link_index
                GROUP BY u.campaign_id, u.link_index
                ON CONFLICT (campaign_id, link_index) DO UPDATE
                    SET clicks = s.clicks + EXCLUDED.clicks, unique_clicks = s.unique_clicks + EXCLUDED.unique_clicks
                """);
            command.Parameters.AddWithValue("messages", batch.Select(c => c.MessageId).ToArray());
            command.Parameters.AddWithValue("links", batch.Select(c => c.LinkIndex).ToArray());
            command.Parameters.AddWithValue("campaigns", batch.Select(c => c.CampaignId).ToArray());
            command.Parameters.AddWithValue("companies", batch.Select(c => c.CompanyId).ToArray());
            command.Parameters.AddWithValue("at", batch.Select(c => c.At).ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // A campaign deleted meanwhile (foreign key) or the database away: these clicks are not counted; redirects went on.
            logger.LogWarning(e, "Could not record {Count} link clicks", batch.Count);
        }
    }
}

/// <summary>
/// <c>GET /s/{code}</c>: sends the visitor to the link's address and counts the click, unless the request is a link
/// preview (HEAD, or a user agent that fetches links to show a preview or index them), which is redirected uncounted.
/// </summary>
internal static partial class ShortLinkEndpoint
{
    public static IEndpointRouteBuilder MapTrackedLinks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods(TrackedLinks.Path + "{code}", [HttpMethods.Get, HttpMethods.Head], RedirectAsync).AllowAnonymous();
        return endpoints;
    }

    /// <summary>Link-preview fetchers and crawlers (messengers, social networks, search engines, scripts).</summary>
    public static bool IsPreview(HttpRequest request) =>
        HttpMethods.IsHead(request.Method) || PreviewAgent().IsMatch(request.Headers.UserAgent.ToString());

    /// <summary>
    /// A forged or mistyped code is refused by its keyed hash before anything is read; a real one is answered from the
    /// campaign's run in memory (<see cref="LinkTargets"/>) when this host has learned it, else from the database.
    /// </summary>
    private static async Task<IResult> RedirectAsync(string code, HttpContext context, TrackedLinks links, LinkTargets targets,
        LinkClickWriter writer, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!links.TryRead(code, out var messageId, out var index))
        {
            return NotFound();
        }

        if ((targets.Find(messageId) ?? await targets.ReadAsync(messageId, cancellationToken)) is not { } campaign || index >= campaign.Urls.Count)
        {
            return NotFound();
        }

        if (!IsPreview(context.Request))
        {
            writer.Record(new ClickToRecord(messageId, index, campaign.CampaignId, campaign.CompanyId, clock.GetUtcNow()));
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(campaign.Urls[index]);
    }

    private static IResult NotFound() =>
        Results.Content("This link is not valid, or the campaign it belonged to was deleted.", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);

    [GeneratedRegex(@"bot|crawl|spider|preview|facebookexternalhit|facebot|slack|whatsapp|telegram|discord|skype|linkedin|embedly|curl|wget|python-requests|go-http-client", RegexOptions.IgnoreCase)]
    private static partial Regex PreviewAgent();
}
