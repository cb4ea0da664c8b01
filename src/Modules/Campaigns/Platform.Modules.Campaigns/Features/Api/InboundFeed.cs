using System.Globalization;
using Microsoft.Extensions.Primitives;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Campaigns.Contracts;
using Platform.Modules.Campaigns.Domain;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>
/// One item of a company's inbound feed, as the webhook posts it and <c>GET /api/v1/inbound</c> lists it.
/// <paramref name="Id"/> is the item's number in the company's feed (increasing, the <c>after</c> of the next page).
/// <paramref name="From"/> is the handset's number, or its user code when the company knows the person only as a keyword
/// subscriber. <paramref name="RequestId"/> and <paramref name="MessageId"/> name the send-API message it answers,
/// <paramref name="CampaignId"/> the campaign, when known.
/// </summary>
internal sealed record InboundItem(
    long Id, string Type, string From, string To, string Text, DateTimeOffset ReceivedAt, Guid? CampaignId, Guid? RequestId, Guid? MessageId);

/// <summary>A page of <c>GET /api/v1/inbound</c>: oldest first; <paramref name="NextAfter"/> is what to pass as <c>after</c> next.</summary>
internal sealed record InboundPage(IReadOnlyList<InboundItem> Data, bool HasMore, long NextAfter);

/// <summary>A page of the inbound feed, or (<see cref="Page"/> null) the errors of the query that asked for it.</summary>
internal sealed record InboundListing(InboundPage? Page, IReadOnlyDictionary<string, string[]>? Errors);

/// <summary>The <c>type</c> of inbound items (and of the webhook posts that carry them).</summary>
internal static class InboundTypes
{
    public const string MessageInbound = "message.inbound";
    public const string OptedOut = "contact.opted_out";
    public const string OptedIn = "contact.opted_in";

    /// <summary>A conversation entry's type; ConversationStore queues for the feed only the entries that have one.</summary>
    public static string Of(string direction, string? eventKind) => (direction, eventKind) switch
    {
        (ConversationDirections.Inbound, _) => MessageInbound,
        (_, ConversationEventKinds.Stop) => OptedOut,
        // START after a STOP, or the company's keyword texted: either way the person may be messaged again.
        _ => OptedIn,
    };
}

/// <summary>
/// Reads companies' inbound feeds (campaigns.inbound_items, numbered per company in commit order: see
/// Migrations/0009_inbound_webhooks.sql), with the text, numbers and what each message answers, in one statement.
/// Entries are numbered by their readers, not when written (0013): every read first numbers what was queued.
/// </summary>
internal sealed class InboundFeed(CampaignsDataSource dataSource)
{
    public const int DefaultPage = 50;
    public const int MaxPage = 100;

    /// <summary>Numbers the entries queued for those companies (null: every company), so the feed shows them.</summary>
    public async Task NumberAsync(Guid[]? companies, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("SELECT campaigns.number_inbound_items(@companies)");
        command.Parameters.Add(new NpgsqlParameter("companies", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = (object?)companies ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Up to <paramref name="limit"/> items after each company's position, oldest first, keyed by company.</summary>
    public async Task<Dictionary<Guid, List<InboundItem>>> ReadAsync(IReadOnlyList<(Guid CompanyId, long After)> positions, int limit, CancellationToken cancellationToken)
    {
        var result = positions.ToDictionary(p => p.CompanyId, _ => new List<InboundItem>());
        if (positions.Count == 0)
        {
            return result;
        }

        await NumberAsync([.. positions.Select(p => p.CompanyId)], cancellationToken);

        // The send-API message answered is looked up only for 'api' campaigns (at most LaneCampaigns.MaxMessages each,
        // ADR 40; the latest to the number when it had several), never in a large campaign's messages. The sender is the user code whenever the thread has one: the company knows that
        // person only by it.
        await using var command = dataSource.Source.CreateCommand($"""
            SELECT p.company_id, x.seq, x.direction, x.event, x.body, x.at, x.platform_number, x.sender, x.campaign_id, x.kind, x.api_id
            FROM unnest(@companies, @after) AS p(company_id, after)
            CROSS JOIN LATERAL (
                SELECT i.seq, m.direction, m.event, m.body, m.at, c.platform_number, COALESCE(c.user_code, c.phone) AS sender,
                       m.campaign_id, k.kind, a.api_id
                FROM campaigns.inbound_items i
                JOIN campaigns.conversation_messages m ON m.id = i.message_id AND m.company_id = p.company_id
                JOIN campaigns.conversations c ON c.id = m.conversation_id AND c.company_id = p.company_id
                LEFT JOIN campaigns.campaigns k ON k.id = m.campaign_id AND k.company_id = p.company_id
                LEFT JOIN LATERAL (
                    SELECT am.api_id FROM campaigns.messages am
                    WHERE k.kind = '{CampaignKinds.Api}' AND am.campaign_id = k.id AND am.id >= COALESCE(k.messages_from, 1)
                      AND am.company_id = p.company_id AND am.phone = c.phone
                    ORDER BY am.id DESC LIMIT 1) a ON true
                WHERE i.company_id = p.company_id AND i.seq > p.after
                ORDER BY i.seq
                LIMIT @limit) x
            ORDER BY p.company_id, x.seq
            """);
        command.Parameters.Add(new NpgsqlParameter("companies", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = positions.Select(p => p.CompanyId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = positions.Select(p => p.After).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var campaign = reader.IsDBNull(8) ? (Guid?)null : reader.GetGuid(8);
            var isApi = !reader.IsDBNull(9) && reader.GetString(9) == CampaignKinds.Api;
            result[reader.GetGuid(0)].Add(new InboundItem(
                reader.GetInt64(1),
                InboundTypes.Of(reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)),
                reader.GetString(7),
                reader.GetString(6),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                isApi ? null : campaign,
                isApi ? campaign : null,
                reader.IsDBNull(10) ? null : reader.GetGuid(10)));
        }

        return result;
    }

    /// <summary>
    /// <c>GET /api/v1/inbound?after=&amp;limit=</c> for the caller's company: the query checked (a clear 400, never a 500),
    /// then one page, oldest first.
    /// </summary>
    public async Task<InboundListing> ListAsync(ApiCaller caller, IReadOnlyDictionary<string, StringValues> query, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var unknown in query.Keys.Where(k => k is not ("after" or "limit")))
        {
            errors[Shorten(unknown)] = [$"Unknown query parameter '{Shorten(unknown)}'. This endpoint takes 'after' (the id of the last item you have) and 'limit' (1 to {MaxPage})."];
        }

        var after = Parse(query, "after", 0, long.MaxValue, 0, errors,
            "'after' must be the id of the last item you have: a whole number of 0 or more (leave it out to start from the beginning).");
        var limit = Parse(query, "limit", 1, MaxPage, DefaultPage, errors, $"'limit' must be a whole number from 1 to {MaxPage}.");
        if (errors.Count > 0)
        {
            return new InboundListing(null, errors);
        }

        var items = (await ReadAsync([(caller.CompanyId, after)], (int)limit + 1, cancellationToken))[caller.CompanyId];
        var page = items.Take((int)limit).ToList();
        return new InboundListing(new InboundPage(page, items.Count > limit, page.Count > 0 ? page[^1].Id : after), null);
    }

    private static long Parse(IReadOnlyDictionary<string, StringValues> query, string name, long min, long max, long fallback, Dictionary<string, string[]> errors, string problem)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return fallback;
        }

        if (values.Count != 1)
        {
            errors[name] = [$"Give '{name}' once; it appears {values.Count} times."];
            return fallback;
        }

        var text = values[0]?.Trim() ?? string.Empty;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors[name] = [text.Length == 0 ? $"'{name}' is empty. {problem}" : $"'{Shorten(text)}' is not valid. {problem}"];
            return fallback;
        }

        return value;
    }

    /// <summary>An echoed parameter is cut short, so a huge one does not come back whole.</summary>
    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
