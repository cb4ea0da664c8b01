using MediatR;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Campaigns.Contracts;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.SenderIds.Contracts;

namespace Platform.Modules.Campaigns.Sending;

/// <summary>What preparing a campaign came to: ready to send, or the reason it needs the company's attention.</summary>
internal sealed record PreparationResult(bool Ready, string? Problem);

/// <summary>
/// Builds a campaign's recipients, set-based, in one transaction: the company's opted-in subscribers (paged from
/// OptIns' contract and COPY'd into a staging table) and the chosen lists, deduplicated by number, with country and
/// time zone from the calling code, suppressed numbers marked as such. Then checks the Sender ID for every
/// destination country and the plan's limit, and reserves the credits (Billing, idempotent by campaign id).
/// Reentrant: a run that died is rolled back whole and the next run starts over.
/// </summary>
internal sealed class CampaignPreparation(
    CampaignsDataSource dataSource, OptOutRoute route, Features.Links.TrackedLinks links, Features.Segments.SegmentQuery segments, IMediator mediator, TimeProvider clock,
    ILogger<CampaignPreparation> logger)
{
    /// <summary>The first id <c>@campaign</c>'s messages can have (ADR 37).</summary>
    private static readonly string Floor = MessagePartitions.CampaignFloor("@campaign");

    public async Task<PreparationResult> PrepareAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var campaign = await LockAsync(connection, campaignId, cancellationToken);
        if (campaign is null || campaign.PreparedAt is not null)
        {
            return new PreparationResult(campaign is not null, null);
        }

        var started = clock.GetUtcNow();
        // An A/B test's bodies, A first (ADR 36); a campaign without a test has its one body.
        var variants = campaign.AbTestPercent is null ? [] : await VariantsAsync(connection, campaignId, cancellationToken);
        IReadOnlyList<string> bodies = variants.Count >= 2 ? variants.Select(v => v.Body).ToList() : [campaign.Body];
        // The audience is built now and counted as it is written (one pass). Send-API messages never come here: their
        // lane campaign is stored prepared and sending, each batch priced and reserved as it is appended (ADR 40).
        var (targeted, audience) = await MaterialiseAsync(connection, campaign, bodies, variants.Count >= 2 ? variants : null, started, cancellationToken);
        var (byCountry, suppressed, zones, longestName, longestFields) = audience;
        var materialised = clock.GetUtcNow();
        var sendable = targeted - (int)suppressed;

        var problem = await CheckAsync(campaign, byCountry, sendable, cancellationToken);
        long reserved = 0;
        if (problem is null && sendable > 0)
        {
            // Every short link has the same length, so any message id gives the length each message will have. An A/B
            // test reserves at its longest body for everyone: the held rest may be sent any of them.
            var segments = bodies.Max(body => MessageTemplate.Segments(route.Apply(campaign.SenderId, MessageTemplate.Render(links.Template(body, campaign.TrackLinks, 0), longestName, longestFields))));
            foreach (var (country, count) in byCountry)
            {
                var quote = await mediator.Send(new QuotePrice(campaign.CompanyId, country, segments, count), cancellationToken);
                reserved += quote.TotalCredits;
                await connection.ExecuteAsync("INSERT INTO campaigns.campaign_prices (campaign_id, country, credits_per_segment) VALUES (@campaign, @country, @price) ON CONFLICT DO NOTHING",
                    cancellationToken, ("campaign", campaignId), ("country", country), ("price", quote.CreditsPerSegment));
            }

            var reservation = await mediator.Send(new ReserveCredits(campaign.CompanyId, campaignId, Math.Max(reserved, 1), $"Campaign {campaign.Name}"), cancellationToken);
            if (!reservation.Reserved)
            {
                problem = reservation.Reason ?? "The credits could not be reserved.";
                reserved = 0;
            }
            else
            {
                reserved = reservation.ReservedCredits;
            }
        }

        // The row is locked since LockAsync, so the status read there is the one refused (a cancelled campaign stays cancelled).
        var refused = problem is not null && CampaignLifecycle.Allows(CampaignStep.Refuse, campaign.Status);
        await connection.ExecuteAsync("""
            UPDATE campaigns.campaigns SET prepared_at = @now, targeted = @targeted, suppressed = @suppressed, reserved_credits = @reserved, time_zones = @zones,
                   status = @status, attention_reason = @problem, updated_at = @now
            WHERE id = @campaign
            """, cancellationToken,
            ("campaign", campaignId), ("now", clock.GetUtcNow()), ("targeted", targeted), ("suppressed", (int)suppressed),
            ("reserved", reserved), ("problem", problem), ("zones", zones),
            ("status", refused ? CampaignLifecycle.Require(CampaignStep.Refuse, campaign.Status, CampaignStatus.NeedsAttention) : campaign.Status));
        if (variants.Count >= 2 && campaign.Kind == CampaignKinds.Campaign)
        {
            await NoteSplitAsync(connection, campaign, variants, sendable, started, cancellationToken);
        }
        if (refused && campaign.Kind == CampaignKinds.Campaign)
        {
            await CampaignsOutbox.AddAsync(connection, new CampaignNeedsAttention(campaign.CompanyId, campaignId, campaign.Name, problem!), cancellationToken);
        }

        var checkedAndReserved = clock.GetUtcNow();
        await transaction.CommitAsync(cancellationToken);
        logger.LogDebug("Campaign {Campaign} preparation: rows written and counted {Materialise} ms, checked and reserved {Reserve} ms, committed {Commit} ms",
            campaignId, (materialised - started).TotalMilliseconds, (checkedAndReserved - materialised).TotalMilliseconds,
            (clock.GetUtcNow() - checkedAndReserved).TotalMilliseconds);
        // The whole transaction: lock, materialise, count, check, reserve, commit (the benchmark reads this line).
        logger.LogInformation("Campaign {Campaign}: {Targeted} recipients materialised in {Elapsed} ms ({Suppressed} suppressed)",
            campaignId, targeted, (clock.GetUtcNow() - started).TotalMilliseconds, suppressed);
        if (problem is null && targeted >= StatisticsRefreshAt)
        {
            await RefreshStatisticsAsync(connection, campaignId, cancellationToken);
        }

        return new PreparationResult(problem is null, problem);
    }

    /// <summary>A campaign at least this large refreshes the messages table's statistics before it sends.</summary>
    internal const int StatisticsRefreshAt = 10_000;

    /// <summary>
    /// Refreshes the planner's statistics on the messages table right after a large audience was written, as one does
    /// after any bulk load: autovacuum analyses it only a minute or more later, and until then the claim — planned for
    /// a campaign believed to hold one row — read every message of the campaign through the plain campaign index and
    /// sorted them on disk for each batch of 1,000 (200,000 rows: 170–220 ms a claim instead of ~40). A sample of
    /// 30,000 rows, once per campaign. Best effort: an autovacuum holding the table's lock (or a missing ownership,
    /// which PostgreSQL answers with a warning) only means the plans wait for autovacuum.
    /// Only the partitions the campaign's messages went to (ADR 37): the claim is planned per partition, with each
    /// partition's statistics, and ANALYZE of the partitioned table would sample every month of history again.
    /// </summary>
    private async Task RefreshStatisticsAsync(NpgsqlConnection connection, Guid campaignId, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        try
        {
            var partitions = await connection.ScalarAsync<string?>($"""
                SELECT string_agg(format('campaigns.%I', name), ', ' ORDER BY first_id) FROM campaigns.message_partitions
                WHERE dropped_at IS NULL AND end_id > {Floor} AND first_id < {MessagePartitions.NextId}
                """, cancellationToken, ("campaign", campaignId)) ?? "campaigns.messages";
            await connection.ExecuteAsync($"SET lock_timeout = '2s'; ANALYZE {partitions}; RESET lock_timeout", cancellationToken);
            logger.LogInformation("Statistics of {Partitions} refreshed in {Elapsed} ms", partitions, (clock.GetUtcNow() - started).TotalMilliseconds);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            logger.LogInformation("Statistics of campaigns.messages not refreshed: {Reason}", exception.MessageText);
        }
    }

    /// <summary>An A/B test's variant as preparation reads it.</summary>
    private sealed record VariantRow(short Variant, string Body, short Percent);

    private static async Task<List<VariantRow>> VariantsAsync(NpgsqlConnection connection, Guid campaignId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT variant, body, percent FROM campaigns.campaign_variants WHERE campaign_id = @campaign ORDER BY variant", connection);
        command.Parameters.AddWithValue("campaign", campaignId);
        var result = new List<VariantRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new VariantRow(reader.GetInt16(0), reader.GetString(1), reader.GetInt16(2)));
        }

        return result;
    }

    /// <summary>
    /// An A/B test's split as the audience statement wrote it: recipients per variant (the same arithmetic as the SQL,
    /// <see cref="AbSplit"/>, so no count of the rows), how many are held, and when the winner is decided (the send time
    /// plus the window).
    /// </summary>
    private static async Task NoteSplitAsync(NpgsqlConnection connection, Campaign campaign, List<VariantRow> variants, int sendable, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var (sizes, held) = AbSplit.Sizes(Math.Max(sendable, 0), campaign.AbTestPercent!.Value, variants.Select(v => v.Percent).ToList());
        await connection.ExecuteAsync("""
            UPDATE campaigns.campaign_variants v SET recipients = x.recipients, sent = 0, delivered = 0, failed = 0, clicked = 0, counted_at = NULL
            FROM unnest(@variants, @recipients) AS x(variant, recipients) WHERE v.campaign_id = @campaign AND v.variant = x.variant;
            UPDATE campaigns.campaigns SET ab_held = @held, ab_decide_at = @start + make_interval(hours => ab_window_hours),
                   ab_winner = NULL, ab_decided_at = NULL, ab_rest_sent = NULL
            WHERE id = @campaign
            """, cancellationToken, ("campaign", campaign.Id), ("variants", variants.Select(v => v.Variant).ToArray()), ("recipients", sizes.Select(n => (int)n).ToArray()),
            ("held", (int)held), ("start", campaign.ScheduledAt ?? started));
    }

    private async Task<(int Targeted, Audience Audience)> MaterialiseAsync(
        NpgsqlConnection connection, Campaign campaign, IReadOnlyList<string> bodies, List<VariantRow>? test, DateTimeOffset started, CancellationToken cancellationToken)
    {
        // What an earlier, failed preparation may have left goes; then the first id this audience can have is noted, so
        // statements about the campaign skip the partitions before it (ADR 37).
        await connection.ExecuteAsync($"""
            DELETE FROM campaigns.messages WHERE campaign_id = @campaign AND id >= {Floor};
            UPDATE campaigns.campaigns SET messages_from = {MessagePartitions.NextId} WHERE id = @campaign
            """, cancellationToken, ("campaign", campaign.Id));
        // The contact fields the text uses (the save checked they exist) travel with each message, and only those: a
        // text without any copies no jsonb at all, so the million-recipient path is the one it was. An A/B test's
        // bodies together.
        var keys = bodies.SelectMany(MessageTemplate.FieldsIn).Distinct(StringComparer.Ordinal).ToList();
        var fields = keys.Count == 0 ? "NULL::jsonb" : "fields";
        // One list alone is already one row per number (unique (list_id, phone)): read it straight, no staging, no dedup.
        // Otherwise stage everything and keep one row per number (a hash aggregate, no sort of the whole audience).
        // A segment (ADR 35) is compiled to the statement its live count runs, on this connection, and read the same way.
        string source;
        var segment = campaign.SegmentId is { } segmentId ? await SegmentAsync(connection, segmentId, campaign.CompanyId, cancellationToken) : null;
        if (segment is { Distinct: true })
        {
            source = $"(SELECT phone, first_name, time_zone, {fields} AS fields FROM ({segment.Rows}) seg)";
        }
        else if (segment is null && !campaign.IncludeSubscribers && campaign.ListIds.Length == 1)
        {
            source = $"(SELECT phone, first_name, time_zone, {fields} AS fields FROM campaigns.contacts WHERE company_id = @company AND list_id = @list)";
        }
        else
        {
            await connection.ExecuteAsync("CREATE TEMP TABLE audience_stage (phone text NOT NULL, first_name text, time_zone text, fields jsonb) ON COMMIT DROP", cancellationToken);
            if (segment is not null)
            {
                await using var stage = new NpgsqlCommand($"INSERT INTO audience_stage (phone, first_name, time_zone, fields) SELECT phone, first_name, time_zone, {fields} FROM ({segment.Rows}) seg", connection);
                segment.Bind(stage);
                await stage.ExecuteNonQueryAsync(cancellationToken);
            }

            if (segment is null && campaign.IncludeSubscribers)
            {
                await StageSubscribersAsync(connection, campaign.CompanyId, cancellationToken);
            }

            if (segment is null && campaign.ListIds.Length > 0)
            {
                await connection.ExecuteAsync($"""
                    INSERT INTO audience_stage (phone, first_name, time_zone, fields)
                    SELECT phone, first_name, time_zone, {fields} FROM campaigns.contacts WHERE company_id = @company AND list_id = ANY (@lists)
                    """, cancellationToken, ("company", campaign.CompanyId), ("lists", campaign.ListIds));
            }

            // A number on two lists takes the first values found (as with first_name, any one of them is a right answer).
            source = "(SELECT phone, max(first_name) AS first_name, max(time_zone) AS time_zone, "
                     + (keys.Count == 0 ? "NULL::jsonb" : "(array_agg(fields) FILTER (WHERE fields IS NOT NULL))[1]")
                     + " AS fields FROM audience_stage GROUP BY phone)";
        }

        // Calling codes are prefix-free (ITU E.164), so at most one of the 1-, 2- and 3-digit joins matches. The rows are
        // counted by country, state and time zone from what the INSERT returns: reading them back was a second pass
        // over a million rows (~0.7 s of ~6).
        var joins = $"""
            FROM {source} s
            LEFT JOIN campaigns.calling_codes c1 ON c1.code = substr(s.phone, 2, 1)
            LEFT JOIN campaigns.calling_codes c2 ON c2.code = substr(s.phone, 2, 2)
            LEFT JOIN campaigns.calling_codes c3 ON c3.code = substr(s.phone, 2, 3)
            LEFT JOIN campaigns.suppressions sup ON sup.company_id = @company AND sup.phone = s.phone
            LEFT JOIN campaigns.blocked_numbers blk ON blk.phone = s.phone
            """;
        var insert = test is null ? $"""
            INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, first_name, fields, state, not_before, finished_at)
            SELECT @campaign, @company, s.phone,
                   COALESCE(c3.country, c2.country, c1.country, 'ZZ'),
                   COALESCE(s.time_zone, c3.time_zone, c2.time_zone, c1.time_zone, @zone),
                   s.first_name,
                   {UsedFields("s.fields", keys)},
                   CASE WHEN sup.phone IS NULL AND blk.phone IS NULL THEN {MessageStateSql.Queued} ELSE {MessageStateSql.Suppressed} END,
                   @start,
                   CASE WHEN sup.phone IS NULL AND blk.phone IS NULL THEN NULL ELSE @now END
            {joins}
            """ : AbTestInsert(joins, keys, test.Select(v => v.Percent).ToList(), campaign.AbTestPercent!.Value);
        await using var command = new NpgsqlCommand($"""
            WITH written AS (
            {insert}
            RETURNING country, state, time_zone, first_name, fields)
            """ + AudienceCounts("written", keys), connection);
        command.Parameters.AddWithValue("campaign", campaign.Id);
        command.Parameters.AddWithValue("company", campaign.CompanyId);
        command.Parameters.AddWithValue("zone", campaign.TimeZone);
        command.Parameters.AddWithValue("start", campaign.ScheduledAt ?? started);
        command.Parameters.AddWithValue("now", started);
        command.Parameters.AddWithValue("list", campaign.ListIds.FirstOrDefault());
        if (segment is { Distinct: true })
        {
            segment.Bind(command);
        }

        var (audience, rows) = await ReadAudienceAsync(command, keys, cancellationToken);
        return ((int)rows, audience);
    }

    /// <summary>
    /// The audience statement of an A/B test (ADR 36): the same rows, numbered among the sendable ones in a random order
    /// fixed per campaign (a hash of the number and the campaign id, so a preparation run again splits the same way),
    /// then cut at <see cref="AbSplit"/>'s bounds — exact sizes, not a coin per recipient: of 1,000 with 20% in the test
    /// split 50/50, exactly 100 get A, 100 B and 800 are Held. The window function sorts the audience once; a campaign
    /// without a test keeps the plain statement.
    /// </summary>
    private static string AbTestInsert(string joins, IReadOnlyList<string> keys, IReadOnlyList<short> percents, int testPercent)
    {
        // Validated integers (1–100), written as literals like the state constants.
        var testSize = $"(a.n * {testPercent.ToString(System.Globalization.CultureInfo.InvariantCulture)} / 100)";
        var cumulative = 0;
        var variantCases = string.Concat(percents.Select((p, i) =>
        {
            cumulative += p;
            return $" WHEN a.rn <= {testSize} * {cumulative.ToString(System.Globalization.CultureInfo.InvariantCulture)} / 100 THEN {i.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        }));
        return $"""
            INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, first_name, fields, state, not_before, finished_at, variant)
            SELECT @campaign, @company, a.phone, a.country, a.time_zone, a.first_name, a.fields,
                   CASE WHEN NOT a.ok THEN {MessageStateSql.Suppressed} WHEN a.rn <= {testSize} THEN {MessageStateSql.Queued} ELSE {MessageStateSql.Held} END,
                   @start,
                   CASE WHEN a.ok THEN NULL ELSE @now END,
                   CASE WHEN a.ok AND a.rn <= {testSize} THEN (CASE{variantCases} END)::smallint END
            FROM (SELECT i.*, row_number() OVER (PARTITION BY i.ok ORDER BY md5(i.phone || @campaign::text)) AS rn, count(*) OVER (PARTITION BY i.ok) AS n
                  FROM (SELECT s.phone,
                               COALESCE(c3.country, c2.country, c1.country, 'ZZ') AS country,
                               COALESCE(s.time_zone, c3.time_zone, c2.time_zone, c1.time_zone, @zone) AS time_zone,
                               s.first_name,
                               {UsedFields("s.fields", keys)} AS fields,
                               (sup.phone IS NULL AND blk.phone IS NULL) AS ok
                        {joins}) i) a
            """;
    }

    /// <summary>
    /// The message's <c>fields</c>: the values of <paramref name="keys"/> only, from the contact's object
    /// (<paramref name="contactFields"/>), or NULL when the text uses none or the contact has none of them.
    /// </summary>
    private static string UsedFields(string contactFields, IReadOnlyList<string> keys) => keys.Count == 0
        ? "NULL::jsonb"
        : $"nullif(jsonb_strip_nulls(jsonb_build_object({string.Join(", ", keys.Select(k => $"{Sql.Literal(k)}, {contactFields} -> {Sql.Literal(k)}"))})), '{{}}'::jsonb)";

    /// <summary>
    /// Counts by country, state and time zone of the rows in <paramref name="source"/> (Queued or Suppressed), with
    /// the longest first name among the queued and the longest value of each contact field in <paramref name="keys"/>
    /// (<see cref="LongestValue"/>): the segment estimate renders the template with them, an upper bound of every
    /// recipient's rendering, found in the statement that writes the rows (no second pass).
    /// </summary>
    private static string AudienceCounts(string source, IReadOnlyList<string> keys) => $"""
        SELECT country, state, time_zone, count(*),
               {LongestValue.Sql("first_name", $"state IN ({MessageStateSql.Queued}, {MessageStateSql.Held}) AND first_name IS NOT NULL")}
               {string.Concat(keys.Select(k => $", {LongestValue.Sql($"(fields ->> {Sql.Literal(k)})", $"state IN ({MessageStateSql.Queued}, {MessageStateSql.Held})")}"))}
        FROM {source} GROUP BY country, state, time_zone
        """;

    /// <summary>
    /// Queued recipients per destination country, how many were suppressed, the queued recipients' time zones (kept on
    /// the campaign for quiet hours), the longest first name and the longest value of each contact field the text uses.
    /// </summary>
    private sealed record Audience(
        IReadOnlyList<(string Country, long Count)> Queued, long Suppressed, string[] Zones, string? LongestName, IReadOnlyDictionary<string, string> LongestFields);

    private static async Task<(Audience Audience, long Rows)> ReadAudienceAsync(NpgsqlCommand command, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var queued = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var zones = new SortedSet<string>(StringComparer.Ordinal);
        var longestFields = new Dictionary<string, string>(StringComparer.Ordinal);
        long suppressed = 0, rows = 0;
        string? longest = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var count = reader.GetInt64(3);
            rows += count;
            // Held for an A/B test's winner (ADR 36) counts as queued: they may be sent, so they are priced and their zones kept.
            if (reader.GetInt16(1) is (short)MessageState.Queued or (short)MessageState.Held)
            {
                queued[reader.GetString(0)] = queued.GetValueOrDefault(reader.GetString(0)) + count;
                zones.Add(reader.GetString(2));
                if (!reader.IsDBNull(4) && LongestValue.Read(reader.GetString(4)) is { } name && name.Length > (longest?.Length ?? -1))
                {
                    longest = name;
                }

                for (var i = 0; i < keys.Count; i++)
                {
                    if (!reader.IsDBNull(5 + i) && LongestValue.Read(reader.GetString(5 + i)) is { } value
                        && value.Length > (longestFields.GetValueOrDefault(keys[i])?.Length ?? -1))
                    {
                        longestFields[keys[i]] = value;
                    }
                }
            }
            else
            {
                suppressed += count;
            }
        }

        return (new Audience(queued.Select(q => (q.Key, q.Value)).ToList(), suppressed, zones.ToArray(), longest, longestFields), rows);
    }

    private async Task<string?> CheckAsync(Campaign campaign, IReadOnlyList<(string Country, long Count)> byCountry, int sendable, CancellationToken cancellationToken)
    {
        if (sendable == 0)
        {
            return null;
        }

        var limits = await mediator.Send(new GetPlanLimits(campaign.CompanyId), cancellationToken);
        if (limits.MaxRecipientsPerCampaign is { } max && sendable > max)
        {
            return $"This campaign has {sendable} recipients; your {limits.Plan} plan allows {max} per campaign.";
        }

        var refused = new List<string>();
        foreach (var (country, _) in byCountry)
        {
            var check = await mediator.Send(new CheckSenderId(campaign.CompanyId, campaign.SenderId, country), cancellationToken);
            if (!check.Allowed)
            {
                refused.Add(check.Reason ?? $"{campaign.SenderId} may not be used for {country}.");
            }
        }

        return refused.Count == 0 ? null : string.Join(" ", refused.Distinct());
    }

    /// <summary>The campaign's segment compiled on this connection; a segment deleted since (the campaign's link is then gone too) selects no one.</summary>
    private async Task<Features.Segments.SegmentSql?> SegmentAsync(NpgsqlConnection connection, Guid segmentId, Guid companyId, CancellationToken cancellationToken)
    {
        Segment? segment = null;
        await using (var command = new NpgsqlCommand("SELECT name, list_ids, include_subscribers, match, rules::text FROM campaigns.segments WHERE id = @id AND company_id = @company", connection))
        {
            command.Parameters.AddWithValue("id", segmentId);
            command.Parameters.AddWithValue("company", companyId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                segment = new Segment
                {
                    Id = segmentId, CompanyId = companyId, Name = reader.GetString(0), ListIds = reader.GetFieldValue<Guid[]>(1),
                    IncludeSubscribers = reader.GetBoolean(2), Match = reader.GetString(3), Rules = reader.GetString(4),
                };
            }
        }

        return segment is null
            ? new Features.Segments.SegmentSql("SELECT NULL::text AS phone, NULL::text AS first_name, NULL::text AS time_zone, NULL::jsonb AS fields WHERE false", true, [])
            : await segments.CompileAsync(connection, segment, cancellationToken);
    }

    private async Task StageSubscribersAsync(NpgsqlConnection connection, Guid companyId, CancellationToken cancellationToken)
    {
        string? after = null;
        do
        {
            var page = await mediator.Send(new GetOptedInSubscribersPage(companyId, after), cancellationToken);
            await using (var importer = await connection.BeginBinaryImportAsync("COPY audience_stage (phone, first_name, time_zone) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var member in page.Items)
                {
                    await importer.StartRowAsync(cancellationToken);
                    await importer.WriteAsync(member.Phone, NpgsqlDbType.Text, cancellationToken);
                    await importer.WriteAsync(member.FirstName, NpgsqlDbType.Text, cancellationToken);
                    await importer.WriteNullAsync(cancellationToken);
                }

                await importer.CompleteAsync(cancellationToken);
            }

            after = page.NextAfterPhone;
        }
        while (after is not null);
    }

    private static async Task<Campaign?> LockAsync(NpgsqlConnection connection, Guid campaignId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT company_id, kind, name, sender_id, body, include_subscribers, list_ids, time_zone, scheduled_at, prepared_at, status, track_links, segment_id, ab_test_percent
            FROM campaigns.campaigns WHERE id = @campaign FOR UPDATE
            """, connection);
        command.Parameters.AddWithValue("campaign", campaignId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new Campaign
        {
            Id = campaignId,
            CompanyId = reader.GetGuid(0),
            Kind = reader.GetString(1),
            Name = reader.GetString(2),
            SenderId = reader.GetString(3),
            Body = reader.GetString(4),
            Status = reader.GetString(10),
            IncludeSubscribers = reader.GetBoolean(5),
            ListIds = reader.GetFieldValue<Guid[]>(6),
            TimeZone = reader.GetString(7),
            ScheduledAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            PreparedAt = reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
            TrackLinks = reader.GetBoolean(11),
            SegmentId = reader.IsDBNull(12) ? null : reader.GetGuid(12),
            AbTestPercent = reader.IsDBNull(13) ? null : reader.GetInt16(13),
        };
    }
}
