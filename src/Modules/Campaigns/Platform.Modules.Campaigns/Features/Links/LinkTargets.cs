using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Platform.Modules.Shared;
using Platform.Modules.Campaigns.Domain;

namespace Platform.Modules.Campaigns.Features.Links;

/// <summary>A tracked campaign's links as the redirect needs them: whose they are and where each goes.</summary>
internal sealed record LinkCampaign(Guid CampaignId, Guid CompanyId, IReadOnlyList<string> Urls);

/// <summary>
/// Which campaign a short link's message belongs to, answered from memory for most clicks (ADR 33, issue #20: the redirect's
/// p95 at 500 req/s while a campaign sends). A campaign's messages are made in one statement, so their ids are usually
/// one unbroken run: after a click's message is read from the database once, the campaign's lowest and highest id and
/// count are read in the background, and when the count fills the run, every id in it is that campaign's — the
/// following clicks need no database read at all. A run is trusted for <see cref="Lifetime"/>, then learned again, so a
/// campaign deleted meanwhile stops redirecting within that time (its clicks are not stored: the writer keeps only
/// clicks whose message still exists). Campaigns whose ids are interleaved with another's (prepared at the same moment)
/// are simply read from the database per click, as before, and so are an A/B test's (its variants' links differ).
/// </summary>
internal sealed class LinkTargets(CampaignsDataSource data, TimeProvider clock, ILogger<LinkTargets> logger)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    // Sorted by first id, never overlapping; replaced whole under the lock, read without it.
    private volatile Run[] runs = [];
    private readonly Lock writing = new();
    // When each campaign was last learned (or its learning started): at most one learning per campaign per lifetime.
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> learned = new();

    /// <summary>The campaign whose learned run holds <paramref name="messageId"/>, if one does and is still trusted.</summary>
    public LinkCampaign? Find(long messageId)
    {
        var current = runs;
        int low = 0, high = current.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var run = current[middle];
            if (messageId < run.First)
            {
                high = middle - 1;
            }
            else if (messageId > run.Last)
            {
                low = middle + 1;
            }
            else
            {
                return run.Until > clock.GetUtcNow() ? run.Campaign : null;
            }
        }

        return null;
    }

    /// <summary>
    /// The message's campaign from the database (the redirect's way before, and still its way on a miss), and the
    /// campaign's run learned in the background so later clicks are answered from memory. Null: no such message, or its
    /// campaign does not track links.
    /// </summary>
    public async Task<LinkCampaign?> ReadAsync(long messageId, CancellationToken cancellationToken)
    {
        LinkCampaign campaign;
        await using (var command = data.Source.CreateCommand(
            """
            SELECT m.campaign_id, m.company_id, COALESCE(v.body, c.body), c.ab_test_percent IS NOT NULL
            FROM campaigns.messages m JOIN campaigns.campaigns c ON c.id = m.campaign_id
            -- An A/B test's message was sent its variant's body (ADR 36): its links are that body's.
            LEFT JOIN campaigns.campaign_variants v ON v.campaign_id = m.campaign_id AND v.variant = m.variant
            WHERE m.id = @id AND c.track_links
            """))
        {
            command.Parameters.AddWithValue("id", messageId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            campaign = new LinkCampaign(reader.GetGuid(0), reader.GetGuid(1), TrackedLinks.Find(reader.GetString(2)));
            if (reader.GetBoolean(3))
            {
                // An A/B test's messages in one run of ids go to different bodies' links: each click is read, never learned.
                return campaign;
            }
        }

        var now = clock.GetUtcNow();
        if (learned.AddOrUpdate(campaign.CampaignId, now, (_, before) => before + Lifetime > now ? before : now) != now)
        {
            return campaign; // learned, or being learned, within the lifetime
        }

        // Not awaited: the click is answered now; the run serves the next ones. The task's own errors are logged there.
        _ = Task.Run(() => LearnAsync(campaign, now), CancellationToken.None);
        return campaign;
    }

    /// <summary>Reads the campaign's ids (one index range) and keeps them as a run when they leave no gap for another's.</summary>
    internal async Task LearnAsync(LinkCampaign campaign, DateTimeOffset at)
    {
        try
        {
            await using var command = data.Source.CreateCommand(
                $"SELECT min(id), max(id), count(*) FROM campaigns.messages WHERE campaign_id = @id AND id >= {MessagePartitions.CampaignFloor("@id")}");
            command.Parameters.AddWithValue("id", campaign.CampaignId);
            await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
            if (!await reader.ReadAsync(CancellationToken.None) || reader.IsDBNull(0))
            {
                return;
            }

            var (first, last, count) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            // Ids are unique: as many messages as ids between the lowest and the highest means no other message is among them.
            if (count != last - first + 1)
            {
                return;
            }

            Keep(new Run(first, last, campaign, at + Lifetime));
        }
        catch (Exception exception) when (TransientDatabaseFaults.IsTransient(exception) || exception is Npgsql.NpgsqlException or InvalidOperationException)
        {
            // Clicks go on being read from the database; the next lifetime tries again.
            logger.LogWarning("Could not learn the message ids of campaign {Campaign} ({Error})", campaign.CampaignId, exception.Message);
        }
    }

    private void Keep(Run run)
    {
        lock (writing)
        {
            var now = clock.GetUtcNow();
            var kept = runs.Where(r => r.Until > now && (r.Last < run.First || r.First > run.Last)).Append(run).OrderBy(r => r.First).ToArray();
            runs = kept;
        }
    }

    private sealed record Run(long First, long Last, LinkCampaign Campaign, DateTimeOffset Until);
}
