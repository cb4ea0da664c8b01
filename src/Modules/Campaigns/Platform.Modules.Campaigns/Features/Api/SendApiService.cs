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
/// and otherwise becomes one hidden campaign of kind 'api' whose messages carry their own text and a public id; it is
/// prepared at once by the engine's <see cref="CampaignPreparation"/> (Sender ID per country, plan limit, credits
/// reserved) so the caller learns of a refusal in the answer, then sent by the campaign's Hangfire runs. Answers plain
/// results; the HTTP answer is made at the edge (<see cref="ApiRegistration"/>).
/// </summary>
internal sealed class SendApiService(
    CampaignsDataSource dataSource, CampaignPreparation preparation, CampaignJobs jobs, MessageStore store, OptOutRoute route,
    IdempotencyStore idempotency, IMediator mediator, TimeProvider clock)
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
        if (request is null)
        {
            return new SendRefused(refusal!);
        }

        if (await mediator.Send(new CheckCompanyMaySpend(caller.CompanyId), cancellationToken) is { } mayNot)
        {
            return new SendRefused(new SendRefusal(SendRefusalKind.CompanyMayNotSpend, "Your company may not send messages now.", $"{mayNot} Nothing was sent."));
        }

        var from = request.From;
        var codes = await CallingCodesAsync(cancellationToken);
        var recipients = request.Messages.Select(i => (i.To, i.Text, Place: Locate(codes, i.To))).ToList();
        if (await CheckSenderAsync(caller.CompanyId, from, recipients.Select(r => r.Place.Country).Distinct().ToList(), recipients.Count, cancellationToken) is { } refused)
        {
            return new SendRefused(refused);
        }

        var now = clock.GetUtcNow();
        var campaignId = Guid.CreateVersion7();
        var suppressed = await store.SuppressedAmongAsync(caller.CompanyId, recipients.Select(r => r.To).ToArray(), cancellationToken);
        // Stored as sent: with the opt-out route an alphanumeric sender needs, counted in the segments.
        var messages = recipients.Select(r => (r, Text: route.Apply(from, r.Text)))
            .Select(x => new Outgoing(Guid.CreateVersion7(), x.r.To, x.Text, x.r.Place.Country, x.r.Place.TimeZone,
                (short)MessageTemplate.Segments(x.Text), suppressed.Contains(x.r.To))).ToList();

        await using (var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            if (idempotencyKey is not null && !await IdempotencyStore.ClaimAsync(connection, caller, idempotencyKey, hash, campaignId, now, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                return await idempotency.ReplayAsync(caller, idempotencyKey, hash, cancellationToken) ?? IdempotencyStore.InFlight;
            }

            await InsertAsync(connection, caller.CompanyId, campaignId, from, request.Marketing, messages, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        PreparationResult prepared;
        try
        {
            prepared = await preparation.PrepareAsync(campaignId, cancellationToken);
        }
        catch
        {
            await ForgetAsync(caller, campaignId, idempotencyKey);
            throw;
        }

        if (!prepared.Ready)
        {
            await ForgetAsync(caller, campaignId, idempotencyKey);
            return new SendRefused(new SendRefusal(SendRefusalKind.NotPaidFor, "The messages could not be paid for.",
                $"{prepared.Problem} Nothing was sent. Buy credits under Billing, then send again."));
        }

        await dataSource.Source.ExecuteAsync("UPDATE campaigns.campaigns SET status = @to, scheduled_at = @now, updated_at = @now WHERE id = @id AND status = ANY (@from)",
            cancellationToken, ("id", campaignId), ("now", clock.GetUtcNow()), ("to", CampaignLifecycle.To(CampaignStep.Accept)), ("from", CampaignLifecycle.From(CampaignStep.Accept)));
        await jobs.ScheduleAsync(campaignId, clock.GetUtcNow(), prepareNow: false, cancellationToken);

        var response = new SendMessagesResponse(campaignId, messages.Select(m => new AcceptedMessage(
            m.ApiId, m.To, m.Suppressed ? "suppressed" : "queued", m.Segments,
            m.Suppressed ? SuppressedError : null)).ToList());
        var json = JsonSerializer.Serialize(response, ApiJson.Options);
        if (idempotencyKey is not null)
        {
            await idempotency.SaveAcceptedAsync(caller, idempotencyKey, json, cancellationToken);
        }

        return new SendAccepted(json);
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

        return new MessageStatusResponse(
            reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), ApiJson.StatusName(reader.GetInt16(4)), reader.GetInt16(5),
            reader.GetFieldValue<DateTimeOffset>(6),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
            reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            reader.IsDBNull(9) ? null : reader.GetString(9));
    }

    private const string SuppressedError = "The recipient opted out of your messages (or you suppressed the number); not sent.";

    private sealed record Outgoing(Guid ApiId, string To, string Text, string Country, string TimeZone, short Segments, bool Suppressed);

    private async Task<SendRefusal?> CheckSenderAsync(Guid companyId, string from, IReadOnlyList<string> countries, int count, CancellationToken cancellationToken)
    {
        var usable = await mediator.Send(new ListUsableSenderIds(companyId), cancellationToken);
        var refusals = new List<string>();
        if (!usable.Any(s => string.Equals(s.SenderId, from, StringComparison.Ordinal)))
        {
            refusals.Add($"{from} is not an approved Sender ID of your company. Use one of: {string.Join(", ", usable.Select(s => s.SenderId))}, or apply for it under Sender IDs.");
        }
        else
        {
            foreach (var country in countries)
            {
                var check = await mediator.Send(new CheckSenderId(companyId, from, country), cancellationToken);
                if (!check.Allowed)
                {
                    refusals.Add(check.Reason ?? $"{from} may not be used for numbers in {country}.");
                }
            }
        }

        if (refusals.Count > 0)
        {
            return SendRefusal.Fields(SendRefusalKind.Unsendable, "The Sender ID cannot be used for these messages.", "from", [.. refusals.Distinct()]);
        }

        var limits = await mediator.Send(new GetPlanLimits(companyId), cancellationToken);
        return limits.MaxRecipientsPerCampaign is { } max && count > max
            ? SendRefusal.Fields(SendRefusalKind.Unsendable, "Too many recipients for your plan.", "messages",
                $"Your {limits.Plan} plan allows {max} recipients per request; this one has {count}.")
            : null;
    }

    private static async Task InsertAsync(
        NpgsqlConnection connection, Guid companyId, Guid campaignId, string from, bool marketing, IReadOnlyList<Outgoing> messages, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var campaign = new NpgsqlCommand($"""
            INSERT INTO campaigns.campaigns (id, company_id, kind, name, sender_id, body, status, time_zone, respect_quiet_hours, created_at, updated_at, messages_from)
            VALUES (@id, @company, @kind, @name, @sender, @body, @status, 'UTC', @marketing, @now, @now, {MessagePartitions.NextId})
            """, connection))
        {
            campaign.Parameters.AddWithValue("kind", CampaignKinds.Api);
            campaign.Parameters.AddWithValue("status", CampaignStatus.Draft);
            campaign.Parameters.AddWithValue("id", campaignId);
            campaign.Parameters.AddWithValue("company", companyId);
            campaign.Parameters.AddWithValue("name", $"API request {campaignId}");
            campaign.Parameters.AddWithValue("sender", from);
            campaign.Parameters.AddWithValue("body", messages[0].Text);
            campaign.Parameters.AddWithValue("marketing", marketing);
            campaign.Parameters.AddWithValue("now", now);
            await campaign.ExecuteNonQueryAsync(cancellationToken);
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

    /// <summary>Removes a request that was refused after it was stored (nothing was reserved or sent), and gives its key back.</summary>
    private async Task ForgetAsync(ApiCaller caller, Guid campaignId, string? idempotencyKey)
    {
        await dataSource.Source.ExecuteAsync("DELETE FROM campaigns.campaigns WHERE id = @id AND company_id = @company AND status = ANY (@discardable)",
            CancellationToken.None, ("id", campaignId), ("company", caller.CompanyId), ("discardable", CampaignLifecycle.AwaitingCompany.ToArray()));
        if (idempotencyKey is not null)
        {
            await idempotency.ForgetAsync(caller, idempotencyKey, campaignId);
        }
    }

    private async Task<Dictionary<string, (string Country, string TimeZone)>> CallingCodesAsync(CancellationToken cancellationToken)
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
