using System.Text.Json;
using MediatR;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Jobs;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.SenderIds.Contracts;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>What became of a send request: accepted (the answer's JSON), the stored answer of an earlier request with the same key, or refused.</summary>
internal abstract record SendResult;

internal sealed record SendAccepted(string Json) : SendResult;

internal sealed record SendReplayed(int Status, string Json) : SendResult;

internal sealed record SendRefused(SendRefusal Refusal) : SendResult;

/// <summary>
/// The send itself. A request (already authenticated, <see cref="ApiKeyAuthenticator"/>) is checked
/// (<see cref="SendRequestReader"/>), replayed when its Idempotency-Key answered before (<see cref="IdempotencyStore"/>),
/// and otherwise handed to the <see cref="SendRequestGatherer"/>, which stores the requests of one company, Sender ID and
/// kind that arrive together in one batch (<see cref="StoreAsync"/>): checked (Sender ID per country, plan limit) and paid
/// for before the answer, so each caller learns of a refusal in it, then appended to the lane's hidden campaign of kind
/// 'api' (ADR 40), whose messages carry their own text and a public id and whose run sends them.
/// Answers plain results; the HTTP answer is made at the edge (<see cref="ApiRegistration"/>).
/// </summary>
internal sealed class SendApiService(
    CampaignsDataSource dataSource, CampaignJobs jobs, MessageStore store, OptOutRoute route, LaneCampaigns lanes,
    IdempotencyStore idempotency, SendRequestGatherer gatherer, SendChecksMemory memory, IMediator mediator, TimeProvider clock)
{
    public async Task<SendResult> SendAsync(ApiCaller caller, byte[] body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var hash = IdempotencyStore.Hash(body);
        if (idempotencyKey is not null)
        {
            if (SendRequestReader.CheckIdempotencyKey(idempotencyKey) is { } badKey)
            {
                return new SendRefused(badKey);
            }

            if (await idempotency.ReplayAsync(caller, idempotencyKey, hash, cancellationToken) is { } replay)
            {
                return replay;
            }
        }

        var (request, refusal) = SendRequestReader.Read(body);
        return request is null
            ? new SendRefused(refusal!)
            : await gatherer.SubmitAsync(new PendingSend(caller, request, idempotencyKey, hash));
    }

    /// <summary>
    /// Stores requests of one company, Sender ID and kind (<see cref="SendRequestGatherer"/>: no number twice among them)
    /// together, and answers each: the company's permission, the Sender ID per country and the plan's limit are checked
    /// once for all and applied to each request; the ones that pass are priced and appended to the lane's campaign
    /// together (<see cref="AppendAsync"/>: credits reserved for all at once). When the credits do not cover them all,
    /// each is stored again on its own, so a request is refused only for what it would have been refused alone.
    /// </summary>
    public async Task<SendResult[]> StoreAsync(IReadOnlyList<PendingSend> requests, CancellationToken cancellationToken)
    {
        var results = new SendResult?[requests.Count];
        var (companyId, from) = (requests[0].Caller.CompanyId, requests[0].Request.From);
        if (await mediator.Send(new CheckCompanyMaySpend(companyId), cancellationToken) is { } mayNot)
        {
            return [.. requests.Select(_ => (SendResult)new SendRefused(new SendRefusal(SendRefusalKind.CompanyMayNotSpend, "Your company may not send messages now.", $"{mayNot} Nothing was sent.")))];
        }

        var codes = await CallingCodesAsync(cancellationToken);
        var located = requests.Select(r => r.Request.Messages.Select(m => (m.To, m.Text, Place: Locate(codes, m.To))).ToList()).ToList();
        var senderRefusals = await SenderRefusalsAsync(companyId, from, located.SelectMany(r => r.Select(m => m.Place.Country)).Distinct().ToList(), cancellationToken);
        var limits = await memory.GetAsync((nameof(GetPlanLimits), companyId), SendChecksMemory.Short, () => mediator.Send(new GetPlanLimits(companyId), cancellationToken));
        for (var i = 0; i < requests.Count; i++)
        {
            results[i] = senderRefusals(located[i].Select(m => m.Place.Country)) ?? OverPlanLimit(limits, located[i].Count);
        }

        var taken = Enumerable.Range(0, requests.Count).Where(i => results[i] is null).ToList();
        if (taken.Count == 0)
        {
            return [.. results.Select(r => r!)];
        }

        var suppressed = await store.SuppressedAmongAsync(companyId, [.. taken.SelectMany(i => located[i].Select(m => m.To))], cancellationToken);
        // Stored as sent: with the opt-out route an alphanumeric sender needs, counted in the segments.
        var outgoing = new Dictionary<int, List<Outgoing>>();
        foreach (var i in taken)
        {
            outgoing[i] = located[i].Select(m => (m, Text: route.Apply(from, m.Text)))
                .Select(x => new Outgoing(Guid.CreateVersion7(), x.m.To, x.Text, x.m.Place.Country, x.m.Place.TimeZone,
                    (short)MessageTemplate.Segments(x.Text), suppressed.Contains(x.m.To))).ToList();
        }

        var prices = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var country in taken.SelectMany(i => outgoing[i]).Where(m => !m.Suppressed).Select(m => m.Country).Distinct())
        {
            // Remembered like the checks: a lane campaign sends at the price it first stored per country anyway (ADR 40).
            prices[country] = await memory.GetAsync((nameof(QuotePrice), companyId, country), SendChecksMemory.Short,
                async () => (await mediator.Send(new QuotePrice(companyId, country, 1, 1), cancellationToken)).CreditsPerSegment);
        }

        var (campaignId, stored, problem) = await AppendAsync(requests, taken, outgoing, prices, cancellationToken);
        foreach (var i in Enumerable.Range(0, requests.Count).Where(i => results[i] is null && !taken.Contains(i)))
        {
            // Another request holds the key: answered from what that one leaves.
            results[i] = await idempotency.ReplayAsync(requests[i].Caller, requests[i].IdempotencyKey!, requests[i].Hash, cancellationToken) ?? IdempotencyStore.InFlight;
        }

        if (problem is not null)
        {
            if (stored.Count > 1)
            {
                // Together they cost more than the company has: each on its own, in the order they came, as if sent one by one.
                foreach (var i in stored)
                {
                    results[i] = (await StoreAsync([requests[i]], cancellationToken))[0];
                }

                return [.. results.Select(r => r!)];
            }

            results[stored[0]] = new SendRefused(new SendRefusal(SendRefusalKind.NotPaidFor, "The messages could not be paid for.",
                $"{problem} Nothing was sent. Buy credits under Billing, then send again."));
            return [.. results.Select(r => r!)];
        }

        foreach (var i in stored)
        {
            var response = new SendMessagesResponse(campaignId, outgoing[i].Select(m => new AcceptedMessage(
                m.ApiId, m.To, m.Suppressed ? "suppressed" : "queued", m.Segments,
                m.Suppressed ? SuppressedError : null)).ToList());
            var json = JsonSerializer.Serialize(response, ApiJson.Options);
            if (requests[i].IdempotencyKey is { } key)
            {
                await idempotency.SaveAcceptedAsync(requests[i].Caller, key, json, cancellationToken);
            }

            results[i] = new SendAccepted(json);
        }

        return [.. results.Select(r => r!)];
    }

    /// <summary>
    /// Appends the requests at <paramref name="taken"/> to their lane's campaign (ADR 40) in one transaction: the lane's
    /// open campaign is locked (or one is opened), the idempotency keys are claimed (a request whose key another holds
    /// drops out of <paramref name="taken"/>), the sendable messages' credits are added to the campaign's reservation,
    /// the messages written and the campaign's counters moved. A lane campaign locked by the lane's other store is
    /// skipped, so the two stores of a lane write to two campaigns side by side. Answers the campaign, the requests
    /// stored, and the reason nothing was stored when the credits did not cover them (then nothing changed).
    /// After the commit, the campaign's run is woken, or armed when none holds its slot.
    /// </summary>
    private async Task<(Guid CampaignId, List<int> Stored, string? Problem)> AppendAsync(
        IReadOnlyList<PendingSend> requests, List<int> taken, Dictionary<int, List<Outgoing>> outgoing, Dictionary<string, long> prices, CancellationToken cancellationToken)
    {
        var (caller, from, marketing) = (requests[0].Caller, requests[0].Request.From, requests[0].Request.Marketing);
        var now = clock.GetUtcNow();
        bool running;
        Guid campaignId;
        await using (var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var open = await OpenLaneCampaignAsync(connection, caller.CompanyId, from, marketing, now, cancellationToken);
            campaignId = open ?? await StartLaneCampaignAsync(connection, caller.CompanyId, from, marketing, now, cancellationToken);
            foreach (var i in taken.ToList())
            {
                var pending = requests[i];
                if (pending.IdempotencyKey is { } key && !await IdempotencyStore.ClaimAsync(connection, pending.Caller, key, pending.Hash, campaignId, now, cancellationToken))
                {
                    taken.Remove(i);
                }
            }

            var messages = taken.SelectMany(i => outgoing[i]).ToList();
            var credits = messages.Where(m => !m.Suppressed).Sum(m => (long)m.Segments * prices[m.Country]);
            long reserved = -1;
            if (credits > 0)
            {
                var reservation = await mediator.Send(new AddToReservation(caller.CompanyId, campaignId, credits, $"API messages from {from}"), cancellationToken);
                if (!reservation.Reserved)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    if (open is null)
                    {
                        // Opened for this batch and given nothing: it goes, unless another store appended to it meanwhile.
                        await dataSource.Source.ExecuteAsync("DELETE FROM campaigns.campaigns WHERE id = @id AND targeted = 0", CancellationToken.None, ("id", campaignId));
                    }

                    return (campaignId, taken, reservation.Reason ?? "The credits could not be reserved.");
                }

                reserved = reservation.ReservedCredits;
            }

            if (messages.Count > 0)
            {
                await InsertAsync(connection, caller.CompanyId, campaignId, messages, prices, reserved, now, cancellationToken);
            }

            running = await connection.ScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM campaigns.campaign_runs WHERE campaign_id = @campaign AND lease_until >= @now)",
                cancellationToken, ("campaign", campaignId), ("now", now));
            await transaction.CommitAsync(cancellationToken);
        }

        if (!running)
        {
            // One run per lane campaign: the lane's other store writes to another campaign with a run of its own.
            await jobs.ScheduleAsync(campaignId, clock.GetUtcNow(), prepareNow: false, cancellationToken, slots: 1);
        }

        lanes.Appended(campaignId);
        return (campaignId, taken, null);
    }

    /// <summary>
    /// The lane's campaign that takes batches now, locked: sending, opened within <see cref="LaneCampaigns.AppendWindow"/>,
    /// under <see cref="LaneCampaigns.MaxMessages"/>, and not locked by the lane's other store (SKIP LOCKED). Its run
    /// completes it only under this lock and only with nothing queued (<see cref="CampaignSettlement.CompleteAsync"/>),
    /// so what is appended here is always sent.
    /// </summary>
    private static async Task<Guid?> OpenLaneCampaignAsync(NpgsqlConnection connection, Guid companyId, string from, bool marketing, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT id FROM campaigns.campaigns
            WHERE company_id = @company AND kind = @kind AND status = @sending AND sender_id = @sender AND respect_quiet_hours = @marketing
              AND created_at > @since AND targeted <= @room
            ORDER BY created_at DESC LIMIT 1
            FOR UPDATE SKIP LOCKED
            """, connection);
        command.Parameters.AddWithValue("company", companyId);
        command.Parameters.AddWithValue("kind", CampaignKinds.Api);
        command.Parameters.AddWithValue("sending", CampaignStatus.Sending);
        command.Parameters.AddWithValue("sender", from);
        command.Parameters.AddWithValue("marketing", marketing);
        command.Parameters.AddWithValue("since", now - LaneCampaigns.AppendWindow);
        command.Parameters.AddWithValue("room", LaneCampaigns.MaxMessages - SendRequestReader.MaxMessages);
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    /// <summary>
    /// Opens a lane campaign: committed on its own first (so a reservation made for it always has a campaign whose
    /// settlement gives back what is not spent), sending from the start, then locked in the caller's transaction.
    /// </summary>
    private async Task<Guid> StartLaneCampaignAsync(NpgsqlConnection connection, Guid companyId, string from, bool marketing, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var campaignId = Guid.CreateVersion7();
        await dataSource.Source.ExecuteAsync($"""
            INSERT INTO campaigns.campaigns (id, company_id, kind, name, sender_id, body, status, time_zone, respect_quiet_hours, created_at, updated_at,
                                             scheduled_at, prepared_at, started_at, messages_from, time_zones)
            VALUES (@id, @company, @kind, @name, @sender, '', @status, 'UTC', @marketing, @now, @now, @now, @now, @now, {MessagePartitions.NextId}, ARRAY[]::text[])
            """, cancellationToken,
            ("id", campaignId), ("company", companyId), ("kind", CampaignKinds.Api), ("name", $"API messages from {from} {campaignId}"),
            ("sender", from), ("status", CampaignStatus.Sending), ("marketing", marketing), ("now", now));
        await connection.ExecuteAsync("SELECT 1 FROM campaigns.campaigns WHERE id = @id FOR UPDATE", cancellationToken, ("id", campaignId));
        return campaignId;
    }

    /// <summary>A message of the caller's company by its public id; null for an id that is none of its messages.</summary>
    public async Task<MessageStatusResponse?> GetAsync(ApiCaller caller, string id, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var apiId))
        {
            return null;
        }

        // The platform made the id (a UUIDv7) when the message was written: only the partitions that took messages around
        // that millisecond are read (ADR 37). An id of another version was never one of ours; it is looked for everywhere.
        var madeAt = MessagePartitions.MadeAt(apiId);
        await using var command = dataSource.Source.CreateCommand($"""
            SELECT m.api_id, m.campaign_id, c.sender_id, m.phone, m.state, m.segments, c.created_at, m.submitted_at, m.finished_at, m.error
            FROM campaigns.messages m JOIN campaigns.campaigns c ON c.id = m.campaign_id
            WHERE m.api_id = @id AND m.company_id = @company AND c.company_id = @company AND c.kind = @kind
              {(madeAt is null ? string.Empty : "AND " + MessagePartitions.WrittenAround("m.id", "@at"))}
            """);
        if (madeAt is not null)
        {
            command.Parameters.AddWithValue("at", madeAt.Value);
        }

        command.Parameters.AddWithValue("kind", CampaignKinds.Api);
        command.Parameters.AddWithValue("id", apiId);
        command.Parameters.AddWithValue("company", caller.CompanyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        // Created when its id was made: its lane campaign (ADR 40) may have been opened minutes before.
        return new MessageStatusResponse(
            reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), ApiJson.StatusName(reader.GetInt16(4)), reader.GetInt16(5),
            madeAt ?? reader.GetFieldValue<DateTimeOffset>(6),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
            reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            reader.IsDBNull(9) ? null : reader.GetString(9));
    }

    private const string SuppressedError = "The recipient opted out of your messages (or you suppressed the number); not sent.";

    private sealed record Outgoing(Guid ApiId, string To, string Text, string Country, string TimeZone, short Segments, bool Suppressed);

    /// <summary>
    /// The Sender ID's checks for the countries of the requests at hand, read once: a function giving a request's refusal
    /// (null when its countries may all be sent to from the Sender ID).
    /// </summary>
    private async Task<Func<IEnumerable<string>, SendResult?>> SenderRefusalsAsync(Guid companyId, string from, IReadOnlyList<string> countries, CancellationToken cancellationToken)
    {
        var usable = await memory.GetAsync((nameof(ListUsableSenderIds), companyId), SendChecksMemory.Short, () => mediator.Send(new ListUsableSenderIds(companyId), cancellationToken));
        if (!usable.Any(s => string.Equals(s.SenderId, from, StringComparison.Ordinal)))
        {
            var unknown = Refused($"{from} is not an approved Sender ID of your company. Use one of: {string.Join(", ", usable.Select(s => s.SenderId))}, or apply for it under Sender IDs.");
            return _ => unknown;
        }

        var reasons = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var country in countries)
        {
            var check = await memory.GetAsync((nameof(CheckSenderId), companyId, from, country), SendChecksMemory.Short,
                () => mediator.Send(new CheckSenderId(companyId, from, country), cancellationToken));
            if (!check.Allowed)
            {
                reasons[country] = check.Reason ?? $"{from} may not be used for numbers in {country}.";
            }
        }

        return requestCountries => requestCountries.Distinct().Where(reasons.ContainsKey).Select(c => reasons[c]).ToArray() is { Length: > 0 } refusals
            ? Refused([.. refusals.Distinct()])
            : null;

        static SendRefused Refused(params string[] refusals) =>
            new(SendRefusal.Fields(SendRefusalKind.Unsendable, "The Sender ID cannot be used for these messages.", "from", refusals));
    }

    private static SendRefused? OverPlanLimit(PlanLimits limits, int count) =>
        limits.MaxRecipientsPerCampaign is { } max && count > max
            ? new SendRefused(SendRefusal.Fields(SendRefusalKind.Unsendable, "Too many recipients for your plan.", "messages",
                $"Your {limits.Plan} plan allows {max} recipients per request; this one has {count}."))
            : null;

    /// <summary>
    /// Writes the messages into the lane campaign (locked by the caller), its prices for the countries they go to (the
    /// first price of a country holds for the campaign, as for a campaign prepared at once) and moves its counters:
    /// targeted and suppressed, the reservation's new total, the time zones of the sendable messages (quiet hours).
    /// </summary>
    private static async Task InsertAsync(
        NpgsqlConnection connection, Guid companyId, Guid campaignId, IReadOnlyList<Outgoing> messages, Dictionary<string, long> prices, long reserved,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sendable = messages.Where(m => !m.Suppressed).ToList();
        await using (var counters = new NpgsqlCommand("""
            INSERT INTO campaigns.campaign_prices (campaign_id, country, credits_per_segment)
            SELECT @campaign, p.country, p.price FROM unnest(@countries, @prices) AS p(country, price) ON CONFLICT DO NOTHING;
            UPDATE campaigns.campaigns SET targeted = targeted + @targeted, suppressed = suppressed + @suppressed,
                   reserved_credits = CASE WHEN @reserved >= 0 THEN @reserved ELSE reserved_credits END,
                   time_zones = ARRAY(SELECT DISTINCT z FROM unnest(time_zones || @zones) AS z ORDER BY 1), updated_at = @now
            WHERE id = @campaign
            """, connection))
        {
            counters.Parameters.AddWithValue("campaign", campaignId);
            counters.Parameters.Add(new NpgsqlParameter("countries", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = prices.Keys.ToArray() });
            counters.Parameters.Add(new NpgsqlParameter("prices", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = prices.Values.ToArray() });
            counters.Parameters.AddWithValue("targeted", messages.Count);
            counters.Parameters.AddWithValue("suppressed", messages.Count - sendable.Count);
            counters.Parameters.AddWithValue("reserved", reserved);
            counters.Parameters.Add(new NpgsqlParameter("zones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = sendable.Select(m => m.TimeZone).Distinct().ToArray() });
            counters.Parameters.AddWithValue("now", now);
            await counters.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var insert = new NpgsqlCommand($"""
            INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, body, api_id, state, segments, not_before, finished_at, error)
            SELECT @campaign, @company, m.phone, m.country, m.zone, m.body, m.api_id,
                   CASE WHEN m.suppressed THEN {MessageStateSql.Suppressed} ELSE {MessageStateSql.Queued} END, m.segments, @now,
                   CASE WHEN m.suppressed THEN @now END, CASE WHEN m.suppressed THEN @error END
            FROM unnest(@phones, @countries, @zones, @bodies, @api_ids, @segments, @suppressed) AS m(phone, country, zone, body, api_id, segments, suppressed)
            """, connection);
        insert.Parameters.AddWithValue("campaign", campaignId);
        insert.Parameters.AddWithValue("company", companyId);
        insert.Parameters.AddWithValue("now", now);
        insert.Parameters.AddWithValue("error", SuppressedError);
        insert.Parameters.Add(new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = messages.Select(m => m.To).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("countries", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = messages.Select(m => m.Country).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("zones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = messages.Select(m => m.TimeZone).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("bodies", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = messages.Select(m => m.Text).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("api_ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = messages.Select(m => m.ApiId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("segments", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = messages.Select(m => m.Segments).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("suppressed", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { Value = messages.Select(m => m.Suppressed).ToArray() });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private Task<Dictionary<string, (string Country, string TimeZone)>> CallingCodesAsync(CancellationToken cancellationToken) =>
        memory.GetAsync("calling_codes", SendChecksMemory.Reference, () => ReadCallingCodesAsync(cancellationToken));

    private async Task<Dictionary<string, (string Country, string TimeZone)>> ReadCallingCodesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("SELECT code, country, time_zone FROM campaigns.calling_codes");
        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2));
        }

        return result;
    }

    /// <summary>Country and time zone by the longest calling code that prefixes the number (as preparation does); ZZ/UTC when none.</summary>
    private static (string Country, string TimeZone) Locate(Dictionary<string, (string Country, string TimeZone)> codes, string phone)
    {
        for (var length = Math.Min(3, phone.Length - 1); length >= 1; length--)
        {
            if (codes.TryGetValue(phone.Substring(1, length), out var found))
            {
                return found;
            }
        }

        return ("ZZ", "UTC");
    }
}
