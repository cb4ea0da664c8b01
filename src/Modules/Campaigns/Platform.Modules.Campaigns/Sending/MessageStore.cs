using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Campaigns.Domain;

namespace Platform.Modules.Campaigns.Sending;

/// <summary>
/// A claimed message, ready to render and submit; <see cref="Fields"/> is the JSON of the contact field values its text
/// uses, <see cref="Variant"/> the A/B test's body it sends (ADR 36; null: the campaign's one body).
/// </summary>
internal sealed record ClaimedMessage(long Id, string Phone, string? FirstName, string? Body, string Country, short Attempts, string? Fields = null, short? Variant = null);

/// <summary>What became of one claimed message after the carrier answered.</summary>
internal sealed record SubmitOutcomeRow(long Id, MessageState State, string? CarrierInstance, string? CarrierMessageId, string? Error, short Segments, DateTimeOffset? RetryAt);

/// <summary>A delivery receipt in the form the store applies them.</summary>
internal sealed record ReceiptRow(string CarrierMessageId, MessageState State, string? ErrorCode, DateTimeOffset At);

/// <summary>
/// The one rule of who may not be messaged, as SQL for the statements that build, claim and submit messages: the
/// number is on the company's suppression list (as itself, or as the keyed hash an erasure left) or on the platform's
/// block list. The statement binds <c>@company</c> and <c>@key</c> (the suppression key).
/// </summary>
internal static class SuppressionRule
{
    /// <summary>True when <c>m.phone</c> may not be messaged by <c>@company</c>.</summary>
    public const string Blocked = """
        (EXISTS (SELECT 1 FROM campaigns.suppressions s WHERE s.company_id = @company
                 AND s.phone IN (m.phone, 'h:' || encode(sha256(convert_to(@key || @company::text || m.phone, 'UTF8')), 'hex')))
         OR EXISTS (SELECT 1 FROM campaigns.blocked_numbers b WHERE b.phone = m.phone))
        """;
}

/// <summary>
/// The per-message SQL of sending, all set-based: claim a batch with FOR UPDATE SKIP LOCKED, record a batch's results
/// with UPDATE … FROM unnest, apply receipts in bulk. Every statement that moves messages also moves the campaign's
/// counters in the same statement, so the counters stay exact without ever counting the messages table.
/// States only move forward: each UPDATE names the state it moves from.
/// </summary>
internal sealed class MessageStore(CampaignsDataSource dataSource, Microsoft.Extensions.Options.IOptions<CampaignsOptions> options)
{
    /// <summary>The first id <c>@campaign</c>'s messages can have: per-campaign reads skip the partitions before it (ADR 37).</summary>
    private static readonly string Floor = MessagePartitions.CampaignFloor("@campaign");

    private const string CounterUpdate = $"""
        UPDATE campaigns.campaigns c SET
            suppressed = c.suppressed + x.suppressed, submitted = c.submitted + x.submitted, delivered = c.delivered + x.delivered,
            failed = c.failed + x.failed, send_failed = c.send_failed + x.send_failed, expired = c.expired + x.expired,
            unknown = c.unknown + x.unknown, updated_at = now()
        FROM (SELECT campaign_id,
                     count(*) FILTER (WHERE state = {MessageStateSql.Suppressed}) AS suppressed,
                     count(*) FILTER (WHERE state = {MessageStateSql.Submitted} AND was = {MessageStateSql.Submitting}) AS submitted,
                     count(*) FILTER (WHERE state = {MessageStateSql.Delivered}) AS delivered,
                     count(*) FILTER (WHERE state = {MessageStateSql.Failed}) AS failed,
                     count(*) FILTER (WHERE state = {MessageStateSql.Failed} AND was = {MessageStateSql.Submitting}) AS send_failed,
                     count(*) FILTER (WHERE state = {MessageStateSql.Expired}) AS expired,
                     count(*) FILTER (WHERE state = {MessageStateSql.Unknown}) AS unknown
              FROM moved GROUP BY campaign_id) x
        WHERE c.id = x.campaign_id
        """;

    /// <summary>
    /// Applies the receipts in <c>r</c> (carrier_id, state, code, at) to their Submitted messages, leaving <c>found</c>
    /// (each receipt with its message ids) and <c>updated</c> for what follows. One carrier-id index probe per
    /// receipt, as a subquery so the planner cannot turn it into a join. As a join, with statistics taken when no
    /// message had a carrier id or was Submitted yet, it chose a merge join walking the whole carrier-id index, or the
    /// Submitted index as the outer side, for every batch: at a million messages a batch took over 30 s and timed out.
    /// For the same reason the updates test the state as <c>state::int</c>, which no partial index on state can serve,
    /// and find their rows through one array of primary keys: joined to the receipts row by row, with statistics from
    /// before the audience was loaded (the table "small"), the planner read the whole table once per receipt (5,000
    /// receipts took 11 s, and receipts fell a minute behind the sending).
    /// Each row then finds its receipt in one jsonb object keyed by message id (a binary search), not by joining the
    /// targets: the planner guesses one message row for the array probe and joined them in a nested loop over the
    /// targets, which is quadratic — 990 receipts compared 979,110 pairs, 300 ms of a 330 ms statement. MATERIALIZED,
    /// or PostgreSQL inlines the aggregate and builds the object again for every row.
    /// Both reads of the messages start at <see cref="MessagePartitions.ReceiptFloor"/>: a receipt probes the carrier-id
    /// index of the partitions that can hold a submitted message, not of every month of history (ADR 37).
    /// </summary>
    private const string ApplyToSubmitted = $"""
        found AS (
            SELECT r.*, ARRAY(SELECT m.id FROM campaigns.messages m WHERE m.carrier_message_id = r.carrier_id AND m.id >= {MessagePartitions.ReceiptFloor}) AS message_ids FROM r),
        targets AS (
            SELECT unnest(f.message_ids) AS id, f.state, f.code, f.at FROM found f),
        by_id AS MATERIALIZED (
            SELECT jsonb_object_agg(t.id::text, jsonb_build_object('state', t.state, 'code', t.code, 'at', t.at)) AS receipt FROM targets t),
        updated AS (
            UPDATE campaigns.messages m
            SET state = (b.receipt -> m.id::text ->> 'state')::smallint,
                error = COALESCE(b.receipt -> m.id::text ->> 'code', m.error),
                finished_at = (b.receipt -> m.id::text ->> 'at')::timestamptz
            FROM by_id b
            WHERE m.id = ANY (ARRAY(SELECT id FROM targets)) AND m.id >= {MessagePartitions.ReceiptFloor} AND m.state::int = {MessageStateSql.Submitted}
            RETURNING m.campaign_id, m.state, {MessageStateSql.Submitted}::smallint AS was)
        """;

    /// <summary>
    /// Claims up to <paramref name="limit"/> queued messages due now in an open time zone, in id order after
    /// <paramref name="afterId"/> (where this run's previous claim ended: the index seek skips what was sent). A number suppressed since the
    /// audience was built (an opt-out whose event this node never saw) becomes Suppressed here instead of being claimed.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedMessage>> ClaimAsync(Guid campaignId, Guid companyId, long afterId, string[]? openZones, int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sql = """
            WITH picked AS (
                SELECT m.id,
            """ + SuppressionRule.Blocked + $"""
                       AS blocked
                FROM campaigns.messages m
                WHERE m.campaign_id = @campaign AND m.state = {MessageStateSql.Queued} AND m.id > @after AND m.id >= {Floor}
                  AND m.not_before <= @now
                  AND (@zones::text[] IS NULL OR m.time_zone = ANY (@zones))
                ORDER BY m.id
                LIMIT @limit
                FOR UPDATE OF m SKIP LOCKED),
            claimed AS (
                UPDATE campaigns.messages m
                SET state = CASE WHEN p.blocked THEN {MessageStateSql.Suppressed} ELSE {MessageStateSql.Submitting} END,
                    claimed_at = CASE WHEN p.blocked THEN NULL ELSE @now END,
                    finished_at = CASE WHEN p.blocked THEN @now ELSE NULL END,
                    attempts = CASE WHEN p.blocked THEN m.attempts ELSE m.attempts + 1 END
                FROM picked p WHERE m.id = p.id AND m.id >= {Floor}
                RETURNING m.id, m.campaign_id, m.state, {MessageStateSql.Queued}::smallint AS was, m.phone, m.first_name, m.body, m.country, m.attempts, m.fields, m.variant),
            moved AS (SELECT campaign_id, state, was FROM claimed WHERE state = {MessageStateSql.Suppressed}),
            counted AS (
            """ + CounterUpdate + $"""
            )
            SELECT id, phone, first_name, body, country, attempts, fields::text, variant FROM claimed WHERE state = {MessageStateSql.Submitting}
            """;
        await using var command = dataSource.Source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaignId });
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
        command.Parameters.Add(new NpgsqlParameter("zones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)openZones ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Bigint) { Value = afterId });
        command.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Text) { Value = options.Value.SuppressionKey });
        var claimed = new List<ClaimedMessage>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new ClaimedMessage(
                reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetInt16(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetInt16(7)));
        }

        return claimed;
    }

    /// <summary>
    /// Right before a claimed batch goes to the carrier, in one statement: notes that the company is messaging these
    /// handsets from <paramref name="platformNumber"/> (who-messaged-whom, for STOP and replies; phones in order, so two
    /// batches upserting the same numbers lock them in the same order), and turns the claimed messages whose number was
    /// suppressed or blocked since the claim into Suppressed. Answers the ids that must not be submitted.
    /// </summary>
    public async Task<HashSet<long>> PrepareSubmitAsync(Guid campaignId, Guid companyId, string? platformNumber, IReadOnlyList<ClaimedMessage> claimed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string sql = $"""
            WITH contact AS (
                INSERT INTO campaigns.recipient_contacts AS rc (platform_number, phone, company_id, last_at, campaign_id)
                SELECT @number, p.phone, @company, @now, @campaign
                FROM (SELECT DISTINCT phone FROM unnest(@phones) AS u(phone)) p
                WHERE @number IS NOT NULL
                ORDER BY p.phone
                ON CONFLICT (platform_number, phone, company_id)
                DO UPDATE SET last_at = EXCLUDED.last_at, campaign_id = EXCLUDED.campaign_id WHERE rc.last_at < EXCLUDED.last_at
                RETURNING 1),
            stopped AS (
                UPDATE campaigns.messages m SET state = {MessageStateSql.Suppressed}, claimed_at = NULL, finished_at = @now, error = @error
                WHERE m.id = ANY (@ids) AND m.id BETWEEN @low AND @high AND m.state::int = {MessageStateSql.Submitting}
                  AND
            """ + SuppressionRule.Blocked + $"""

                RETURNING m.id, m.campaign_id, m.state, {MessageStateSql.Submitting}::smallint AS was),
            moved AS (SELECT campaign_id, state, was FROM stopped),
            counted AS (
            """ + CounterUpdate + $"""
            )
            SELECT id FROM stopped
            -- Repeated after a lost answer (CampaignSender rides out database faults): what the first run suppressed
            -- is no longer claimed, and must still come back as not to be submitted.
            UNION SELECT id FROM campaigns.messages WHERE id = ANY (@ids) AND id BETWEEN @low AND @high AND state = {MessageStateSql.Suppressed}
            """;
        await using var command = dataSource.Source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = (object?)platformNumber ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaignId });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
        command.Parameters.Add(new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = claimed.Select(m => m.Phone).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = claimed.Select(m => m.Id).ToArray() });
        AddIdBounds(command, claimed.Select(m => m.Id));
        command.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Text) { Value = options.Value.SuppressionKey });
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = OptedOutError });
        var stopped = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stopped.Add(reader.GetInt64(0));
        }

        return stopped;
    }

    public const string OptedOutError = "Opted out before sending.";

    /// <summary>
    /// <c>@low</c> and <c>@high</c>, the smallest and largest of a batch's message ids. PostgreSQL cannot tell from
    /// <c>id = ANY (@ids)</c> which partitions hold the ids, and would probe every partition's primary key with the whole
    /// array; <c>id BETWEEN @low AND @high</c> it can, so a batch reaches the one or two partitions it is in (ADR 37).
    /// </summary>
    private static void AddIdBounds(NpgsqlCommand command, IEnumerable<long> ids)
    {
        var (low, high) = (long.MaxValue, long.MinValue);
        foreach (var id in ids)
        {
            (low, high) = (Math.Min(low, id), Math.Max(high, id));
        }

        command.Parameters.Add(new NpgsqlParameter("low", NpgsqlDbType.Bigint) { Value = low });
        command.Parameters.Add(new NpgsqlParameter("high", NpgsqlDbType.Bigint) { Value = high });
    }

    /// <summary>Which of these numbers the company may not message now (the send API answers them "suppressed").</summary>
    public async Task<HashSet<string>> SuppressedAmongAsync(Guid companyId, string[] phones, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(
            "SELECT m.phone FROM unnest(@phones) AS m(phone) WHERE " + SuppressionRule.Blocked);
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Text) { Value = options.Value.SuppressionKey });
        command.Parameters.Add(new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = phones });
        var result = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    /// <summary>
    /// A live run's claims stay fresh: a batch at a slow carrier (at 10 messages a second, 1,000 take 100 s) may be
    /// handed over for longer than the claim lease, and must not be taken for a dead node's (<see cref="SweepAsync"/>).
    /// </summary>
    public Task RefreshClaimsAsync(long[] ids, DateTimeOffset now, CancellationToken cancellationToken) =>
        dataSource.Source.ExecuteAsync(
            $"UPDATE campaigns.messages SET claimed_at = @now WHERE id = ANY (@ids) AND id BETWEEN @low AND @high AND state = {MessageStateSql.Submitting}",
            cancellationToken, ("ids", ids), ("now", now), ("low", ids.Min()), ("high", ids.Max()));

    /// <summary>
    /// Records a batch's outcomes (only for messages still claimed). Submitted, Queued (a retry), Failed and Unknown (the
    /// carrier's answer was lost: final, never requeued) are the states a submit can end in; the last two are finished
    /// now. Receipts that overtook the recording — a fast SMSC reports within milliseconds of its answer, so most
    /// receipts of a batch arrive before the batch is recorded and were kept in <c>pending_receipts</c> — are applied in
    /// the same statement: such a message is written once, Submitting → its final state, and counted as submitted and
    /// as what the receipt says. (Applied in a second statement after the record, they cost a second write of every
    /// message and its indexes: the statement took 60–70 % of PostgreSQL's time in the SMPP campaign benchmark.)
    /// A receipt kept while this statement ran is not visible to it: the statement that follows, and the maintenance
    /// job's sweep of kept receipts, apply those.
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<SubmitOutcomeRow> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        var accepted = outcomes.Where(o => o.State == MessageState.Submitted && o.CarrierMessageId is not null).Select(o => o.CarrierMessageId!).ToArray();
        const string sql = $"""
            WITH early AS (
                DELETE FROM campaigns.pending_receipts p WHERE p.carrier_message_id = ANY (@accepted)
                RETURNING p.id, p.carrier_message_id, p.state, p.error_code, p.reported_at),
            early_by_carrier_id AS MATERIALIZED (
                SELECT jsonb_object_agg(e.carrier_message_id, jsonb_build_object('state', e.state, 'code', e.error_code, 'at', e.reported_at)) AS receipts
                FROM (SELECT DISTINCT ON (carrier_message_id) * FROM early ORDER BY carrier_message_id, id) e),
            r AS (
                SELECT r.*, CASE WHEN r.state = {MessageStateSql.Submitted} THEN x.receipts -> r.carrier_id END AS receipt
                FROM unnest(@ids, @states, @instances, @carrier_ids, @errors, @segments, @retry_at)
                    AS r(id, state, instance, carrier_id, error, segments, retry_at), early_by_carrier_id x),
            updated AS (
                UPDATE campaigns.messages m
                SET state = COALESCE((r.receipt ->> 'state')::smallint, r.state),
                    carrier_instance = COALESCE(r.instance, m.carrier_instance),
                    carrier_message_id = r.carrier_id,
                    error = COALESCE(r.receipt ->> 'code', r.error),
                    segments = r.segments,
                    claimed_at = NULL,
                    not_before = COALESCE(r.retry_at, m.not_before),
                    submitted_at = CASE WHEN r.state = {MessageStateSql.Submitted} THEN @now ELSE m.submitted_at END,
                    finished_at = CASE WHEN r.receipt IS NOT NULL THEN (r.receipt ->> 'at')::timestamptz
                                       WHEN r.state IN ({MessageStateSql.Failed}, {MessageStateSql.Unknown}) THEN @now ELSE NULL END
                FROM r WHERE m.id = r.id AND m.id BETWEEN @low AND @high AND m.state::int = {MessageStateSql.Submitting} -- not state = {MessageStateSql.Submitting}: see ApplyToSubmitted
                RETURNING m.campaign_id, m.state, r.receipt IS NOT NULL AS early),
            moved AS (
                SELECT campaign_id, state, {MessageStateSql.Submitting}::smallint AS was FROM updated WHERE NOT early
                UNION ALL SELECT campaign_id, {MessageStateSql.Submitted}::smallint, {MessageStateSql.Submitting}::smallint FROM updated WHERE early
                UNION ALL SELECT campaign_id, state, {MessageStateSql.Submitted}::smallint FROM updated WHERE early)
            """ + CounterUpdate;
        await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(sql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = outcomes.Select(o => o.Id).ToArray() });
            AddIdBounds(command, outcomes.Select(o => o.Id));
            command.Parameters.Add(new NpgsqlParameter("states", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = outcomes.Select(o => (short)o.State).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("instances", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(o => o.CarrierInstance).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("carrier_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(o => o.CarrierMessageId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = outcomes.Select(o => o.Error).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("segments", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = outcomes.Select(o => o.Segments).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("retry_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = outcomes.Select(o => o.RetryAt).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("accepted", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = accepted });
            command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        if (accepted.Length > 0)
        {
            await ApplyPendingAsync(connection, accepted, cancellationToken);
        }
    }

    /// <summary>
    /// Applies receipts to submitted messages (first receipt wins; duplicates and late ones change nothing) and keeps
    /// the ones that match no message yet, for the submit that has not been recorded. Returns how many applied.
    /// </summary>
    public async Task<int> ApplyReceiptsAsync(IReadOnlyList<ReceiptRow> receipts, CancellationToken cancellationToken)
    {
        if (receipts.Count == 0)
        {
            return 0;
        }

        const string sql = """
            WITH r AS (
                SELECT DISTINCT ON (carrier_id) carrier_id, state, code, at
                FROM unnest(@carrier_ids, @states, @codes, @ats) WITH ORDINALITY AS r(carrier_id, state, code, at, ord)
                ORDER BY carrier_id, ord),
            """ + ApplyToSubmitted + """
            ,
            moved AS (SELECT * FROM updated),
            counted AS (
            """ + CounterUpdate + """
            ),
            kept AS (
                INSERT INTO campaigns.pending_receipts (carrier_message_id, state, error_code, reported_at, received_at)
                SELECT f.carrier_id, f.state, f.code, f.at, now() FROM found f WHERE cardinality(f.message_ids) = 0)
            SELECT count(*)::int FROM updated
            """;
        await using var command = dataSource.Source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("carrier_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = receipts.Select(r => r.CarrierMessageId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("states", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = receipts.Select(r => (short)r.State).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("codes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = receipts.Select(r => r.ErrorCode).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = receipts.Select(r => r.At).ToArray() });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Applies kept receipts to messages whose submit is now recorded (all of them when ids is null), and drops them.</summary>
    public async Task<int> ApplyPendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
        return await ApplyPendingAsync(connection, null, cancellationToken);
    }

    private static async Task<int> ApplyPendingAsync(NpgsqlConnection connection, string[]? carrierIds, CancellationToken cancellationToken)
    {
        // Two statements, not "@ids IS NULL OR … = ANY (@ids)": once the statement is prepared, a generic plan for that
        // form cannot use the index and read every kept receipt after each submitted batch (seconds at a million).
        var which = carrierIds is null ? "true" : "p.carrier_message_id = ANY (@ids)";
        var sql = $$"""
            WITH matched AS (
                DELETE FROM campaigns.pending_receipts p
                WHERE {{which}}
                  AND (SELECT bool_or(m.state::int <> {{MessageStateSql.Submitting}}) FROM campaigns.messages m
                       WHERE m.carrier_message_id = p.carrier_message_id AND m.id >= {{MessagePartitions.ReceiptFloor}})
                RETURNING p.id, p.carrier_message_id AS carrier_id, p.state, p.error_code AS code, p.reported_at AS at),
            r AS (SELECT DISTINCT ON (carrier_id) * FROM matched ORDER BY carrier_id, id),
            """ + ApplyToSubmitted + """
            ,
            moved AS (SELECT * FROM updated),
            counted AS (
            """ + CounterUpdate + """
            )
            SELECT count(*)::int FROM updated
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        if (carrierIds is not null)
        {
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = carrierIds });
        }

        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Claims whose node died are Unknown (the carrier may or may not have the message: never resent); submitted
    /// messages without a receipt past the timeout are Expired; receipts kept for over a day are dropped.
    /// </summary>
    public async Task<(int Unknown, int Expired)> SweepAsync(DateTimeOffset claimCutoff, DateTimeOffset receiptCutoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string sql = $"""
            WITH lost AS (
                UPDATE campaigns.messages m SET state = {MessageStateSql.Unknown}, claimed_at = NULL, finished_at = @now,
                    error = 'The outcome of the submit was lost (the sending node stopped); not resent.'
                WHERE m.state = {MessageStateSql.Submitting} AND m.claimed_at < @claim_cutoff AND m.id >= {MessagePartitions.ReceiptFloor}
                RETURNING m.campaign_id, m.state, {MessageStateSql.Submitting}::smallint AS was),
            timed_out AS (
                UPDATE campaigns.messages m SET state = {MessageStateSql.Expired}, finished_at = @now, error = COALESCE(m.error, 'No delivery receipt in time.')
                WHERE m.state = {MessageStateSql.Submitted} AND m.submitted_at < @receipt_cutoff AND m.id >= {MessagePartitions.ReceiptFloor}
                RETURNING m.campaign_id, m.state, {MessageStateSql.Submitted}::smallint AS was),
            moved AS (SELECT * FROM lost UNION ALL SELECT * FROM timed_out),
            counted AS (
            """ + CounterUpdate + """
            ),
            dropped AS (DELETE FROM campaigns.pending_receipts WHERE received_at < @now - interval '1 day')
            SELECT (SELECT count(*)::int FROM lost), (SELECT count(*)::int FROM timed_out)
            """;
        await using var command = dataSource.Source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("claim_cutoff", NpgsqlDbType.TimestampTz) { Value = claimCutoff });
        command.Parameters.Add(new NpgsqlParameter("receipt_cutoff", NpgsqlDbType.TimestampTz) { Value = receiptCutoff });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    /// <summary>
    /// Whether a sending run holds a claimed message from one of these companies to the number (claimed, its submit not
    /// recorded yet). Read through the index of claimed messages, which holds only the batches in flight (thousands of
    /// rows, never the queue), so a STOP can ask it without a phone index on the messages table.
    /// </summary>
    public async Task<bool> InFlightToAsync(string phone, Guid[] companies, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand($"""
            SELECT EXISTS (SELECT 1 FROM campaigns.messages m
                           WHERE m.state = {MessageStateSql.Submitting} AND m.claimed_at IS NOT NULL AND m.phone = @phone AND m.company_id = ANY (@companies)
                             AND m.id >= {MessagePartitions.ReceiptFloor})
            """);
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        command.Parameters.Add(new NpgsqlParameter("companies", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = companies });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Whether the campaign still has messages to submit: queued, or claimed by a run; and whether recipients are held for
    /// an A/B test's winner (ADR 36: not work for a run, but the campaign is not done either). Three index probes.
    /// </summary>
    public async Task<(bool Queued, bool Claimed, bool Held)> HasWorkAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
        return await HasWorkAsync(connection, campaignId, cancellationToken);
    }

    /// <summary>The same, on the caller's connection (in its transaction: <see cref="CampaignSettlement.CompleteAsync"/>).</summary>
    public static async Task<(bool Queued, bool Claimed, bool Held)> HasWorkAsync(NpgsqlConnection connection, Guid campaignId, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT EXISTS (SELECT 1 FROM campaigns.messages WHERE campaign_id = @campaign AND state = {MessageStateSql.Queued} AND id >= {Floor}),
                   EXISTS (SELECT 1 FROM campaigns.messages WHERE campaign_id = @campaign AND state = {MessageStateSql.Submitting} AND id >= {Floor}),
                   EXISTS (SELECT 1 FROM campaigns.messages WHERE campaign_id = @campaign AND state = {MessageStateSql.Held} AND id >= {Floor})
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaignId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2));
    }

    /// <summary>
    /// What a sending run needs at its end: whether work is left and, if messages are queued, when the next one is due.
    /// "Now" when any is due (an index walk that stops at the first); the earliest not_before is only looked for when
    /// every queued message waits for a retry, so a run never reads a million queued rows to learn what it knows.
    /// </summary>
    public async Task<(bool Queued, bool Claimed, bool Held, DateTimeOffset? NextDue)> RemainingAsync(Guid campaignId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (queued, claimed, held) = await HasWorkAsync(campaignId, cancellationToken);
        if (!queued)
        {
            return (false, claimed, held, null);
        }

        var sql = $"""
            SELECT CASE WHEN EXISTS (SELECT 1 FROM campaigns.messages WHERE campaign_id = @campaign AND state = {MessageStateSql.Queued} AND not_before <= @now AND id >= {Floor})
                        THEN @now
                        ELSE (SELECT min(not_before) FROM campaigns.messages WHERE campaign_id = @campaign AND state = {MessageStateSql.Queued} AND id >= {Floor}) END
            """;
        await using var command = dataSource.Source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaignId });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
        var due = await command.ExecuteScalarAsync(cancellationToken);
        return (true, claimed, held, due is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null);
    }

    /// <summary>
    /// Before a run claims: the partitions that may hold the campaign's messages count as awaiting receipts, so receipts
    /// for them are matched at once. The partition job notes the same from the campaign's status, but only once a run;
    /// a campaign resumed after a long pause can have messages in a partition it had marked as done with receipts.
    /// Usually changes nothing.
    /// </summary>
    public Task AwaitReceiptsAsync(Guid campaignId, CancellationToken cancellationToken) =>
        dataSource.Source.ExecuteAsync($"""
            UPDATE campaigns.message_partitions SET awaiting_receipts = true
            WHERE NOT awaiting_receipts AND dropped_at IS NULL AND end_id > {Floor}
            """, cancellationToken, ("campaign", campaignId));

    /// <summary>The time zones of a campaign's queued messages, for campaigns prepared before they were noted on the campaign.</summary>
    public async Task<string[]> QueuedZonesAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(
            $"SELECT ARRAY(SELECT DISTINCT time_zone FROM campaigns.messages WHERE campaign_id = @campaign AND state = {MessageStateSql.Queued} AND id >= {Floor})");
        command.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaignId });
        return (string[])(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
