using System.Security.Cryptography;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Http;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Jobs;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.SenderIds.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>The company and key a send-API request was made with.</summary>
internal sealed record ApiCaller(Guid CompanyId, Guid KeyId);

/// <summary>
/// The send API's work. A request becomes one hidden campaign of kind 'api' whose messages carry their own text and a
/// public id; it is prepared at once by the engine's <see cref="CampaignPreparation"/> (Sender ID per country, plan
/// limit, credits reserved) so the caller learns of a refusal in the answer, then sent by the campaign's Hangfire runs.
/// </summary>
internal sealed class SendApiService(
    CampaignsDataSource dataSource, CampaignPreparation preparation, CampaignJobs jobs, MessageStore store, OptOutRoute route, IMediator mediator, TimeProvider clock)
{
    public const int MaxMessages = 1000;
    public const int MaxText = 1600;
    public const int MaxIdempotencyKey = 255;

    /// <summary>The caller for an <c>Authorization: Bearer</c> header, or the 401 to answer.</summary>
    public async Task<(ApiCaller? Caller, IResult? Error)> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return (null, ApiProblems.Unauthorized("Send your API key in the Authorization header: \"Authorization: Bearer plat_…\". Create keys under Campaigns → API keys."));
        }

        var key = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
        if (ApiKeyFormat.PrefixOf(key) is not { } prefix)
        {
            return (null, ApiProblems.Unauthorized("The Authorization header must be \"Bearer \" followed by an API key (it starts with plat_)."));
        }

        await using var command = dataSource.Source.CreateCommand("SELECT id, company_id, key_hash, revoked_at FROM campaigns.api_keys WHERE prefix = @prefix");
        command.Parameters.AddWithValue("prefix", prefix);
        Guid id, companyId;
        DateTimeOffset? revokedAt;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken) || !ApiKeyFormat.Matches(key!, reader.GetFieldValue<byte[]>(2)))
            {
                return (null, ApiProblems.Unauthorized("This API key is not valid. Check that it was copied whole, or create a new one."));
            }

            (id, companyId) = (reader.GetGuid(0), reader.GetGuid(1));
            revokedAt = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3);
        }

        if (revokedAt is { } revoked)
        {
            return (null, ApiProblems.Unauthorized($"This API key was revoked on {revoked:yyyy-MM-dd HH:mm} UTC. Use another key."));
        }

        // Last use is kept to the minute, so a busy key does not write on every request.
        await using var touch = dataSource.Source.CreateCommand(
            "UPDATE campaigns.api_keys SET last_used_at = @now WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @now - interval '1 minute')");
        touch.Parameters.AddWithValue("id", id);
        touch.Parameters.AddWithValue("now", clock.GetUtcNow());
        await touch.ExecuteNonQueryAsync(cancellationToken);
        return (new ApiCaller(companyId, id), null);
    }

    public async Task<IResult> SendAsync(ApiCaller caller, byte[] body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var hash = SHA256.HashData(body);
        if (idempotencyKey is not null)
        {
            if (idempotencyKey.Length is 0 or > MaxIdempotencyKey || idempotencyKey.Any(char.IsControl))
            {
                return ApiProblems.Problem(StatusCodes.Status400BadRequest, "invalid-idempotency-key", "The Idempotency-Key header is not valid.",
                    $"Use 1 to {MaxIdempotencyKey} printable characters, for example a UUID.");
            }

            if (await ReplayAsync(caller, idempotencyKey, hash, cancellationToken) is { } replay)
            {
                return replay;
            }
        }

        SendMessagesBody? request;
        try
        {
            request = JsonSerializer.Deserialize<SendMessagesBody>(body, ApiJson.Options);
        }
        catch (JsonException exception)
        {
            var field = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "body" : exception.Path.TrimStart('$', '.');
            return ApiProblems.Fields(StatusCodes.Status400BadRequest, "The body is not valid JSON for this endpoint.",
                new Dictionary<string, string[]> { [field] = [JsonProblem(exception)] });
        }

        if (request is null)
        {
            return ApiProblems.Fields(StatusCodes.Status400BadRequest, "The body is not valid JSON for this endpoint.",
                new Dictionary<string, string[]> { ["body"] = ["Send a JSON object such as {\"from\":\"PLATFORM\",\"to\":\"+447700900123\",\"text\":\"Hello\"}."] });
        }

        var (from, items, errors) = Normalise(request);
        if (errors.Count > 0)
        {
            return ApiProblems.Fields(StatusCodes.Status422UnprocessableEntity, "The messages cannot be sent as they are.", errors);
        }

        var codes = await CallingCodesAsync(cancellationToken);
        var recipients = items.Select(i => (i.To, i.Text, Place: Locate(codes, i.To))).ToList();
        if (await CheckSenderAsync(caller.CompanyId, from, recipients.Select(r => r.Place.Country).Distinct().ToList(), recipients.Count, cancellationToken) is { } refusal)
        {
            return refusal;
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
            if (idempotencyKey is not null && !await ClaimKeyAsync(connection, caller, idempotencyKey, hash, campaignId, now, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                return await ReplayAsync(caller, idempotencyKey, hash, cancellationToken) ?? InFlight();
            }

            await InsertAsync(connection, caller.CompanyId, campaignId, from, request.Marketing == true, messages, now, cancellationToken);
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
            return ApiProblems.Problem(StatusCodes.Status402PaymentRequired, "insufficient-credits", "The messages could not be paid for.",
                $"{prepared.Problem} Nothing was sent. Buy credits under Billing, then send again.");
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
            await dataSource.Source.ExecuteAsync("UPDATE campaigns.api_requests SET response_status = 202, response_body = @body WHERE company_id = @company AND idempotency_key = @key",
                cancellationToken, ("body", json), ("company", caller.CompanyId), ("key", idempotencyKey));
        }

        return Results.Content(json, "application/json", statusCode: StatusCodes.Status202Accepted);
    }

    public async Task<IResult> GetAsync(ApiCaller caller, string id, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var apiId))
        {
            return NotFound(id);
        }

        await using var command = dataSource.Source.CreateCommand("""
            SELECT m.api_id, m.campaign_id, c.sender_id, m.phone, m.state, m.segments, c.created_at, m.submitted_at, m.finished_at, m.error
            FROM campaigns.messages m JOIN campaigns.campaigns c ON c.id = m.campaign_id
            WHERE m.api_id = @id AND m.company_id = @company AND c.company_id = @company AND c.kind = @kind
            """);
        command.Parameters.AddWithValue("kind", CampaignKinds.Api);
        command.Parameters.AddWithValue("id", apiId);
        command.Parameters.AddWithValue("company", caller.CompanyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return NotFound(id);
        }

        return Results.Json(new MessageStatusResponse(
            reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), ApiJson.StatusName(reader.GetInt16(4)), reader.GetInt16(5),
            reader.GetFieldValue<DateTimeOffset>(6),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
            reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            reader.IsDBNull(9) ? null : reader.GetString(9)), ApiJson.Options);
    }

    private const string SuppressedError = "The recipient opted out of your messages (or you suppressed the number); not sent.";

    private sealed record Outgoing(Guid ApiId, string To, string Text, string Country, string TimeZone, short Segments, bool Suppressed);

    private static IResult NotFound(string id) =>
        ApiProblems.Problem(StatusCodes.Status404NotFound, "not-found", "No such message.", $"Your company has no message with id '{id}'.");

    private static IResult InFlight() =>
        ApiProblems.Problem(StatusCodes.Status409Conflict, "idempotency-in-progress", "A request with this Idempotency-Key is still being processed.",
            "Wait a moment, then retry with the same key and body to get its answer.");

    private static string JsonProblem(JsonException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message) + " Expected {\"from\": string, \"to\": string, \"text\": string, \"marketing\": boolean} or {\"from\": string, \"messages\": [{\"to\", \"text\"}, …]}.";
    }

    /// <summary>The sender, the messages, and the field errors of a request (everything checkable without the database).</summary>
    private static (string From, List<(string To, string Text)> Items, Dictionary<string, string[]> Errors) Normalise(SendMessagesBody request)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var from = request.From?.Trim() ?? string.Empty;
        if (from.Length == 0)
        {
            Add("from", "Give the Sender ID in \"from\" (an approved Sender ID of your company, or PLATFORM).");
        }

        var items = new List<(string To, string Text)>();
        var given = new List<(string Field, string? To, string? Text, string? From)>();
        if (request.Messages is { } list)
        {
            if (request.To is not null || request.Text is not null)
            {
                Add("messages", "Send either \"to\" and \"text\" (one message) or \"messages\" (a batch), not both.");
            }

            if (list.Count == 0)
            {
                Add("messages", "\"messages\" is empty: give at least one message.");
            }
            else if (list.Count > MaxMessages)
            {
                Add("messages", $"A request can carry at most {MaxMessages} messages; this one has {list.Count}. Split it into several requests.");
            }
            else
            {
                given.AddRange(list.Select((m, i) => ($"messages[{i}]", m?.To, m?.Text, m?.From)));
            }
        }
        else
        {
            given.Add((string.Empty, request.To, request.Text, null));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (prefix, to, text, itemFrom) in given)
        {
            string Field(string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
            var ok = true;
            if (string.IsNullOrWhiteSpace(to))
            {
                Add(Field("to"), "Give the recipient's number in E.164, for example +447700900123.");
                ok = false;
            }
            else if (!PhoneNumbers.TryNormalizeE164(to, out var e164) || e164 != to)
            {
                Add(Field("to"), e164.Length > 0 && e164 != to
                    ? $"'{to}' is not in E.164 form; write it as {e164}."
                    : $"'{to}' is not a number in E.164 form (+, country code, number, 8 to 15 digits), for example +447700900123.");
                ok = false;
            }
            else if (!seen.Add(to))
            {
                Add(Field("to"), $"{to} appears more than once in this request. Send one message per number per request.");
                ok = false;
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                Add(Field("text"), "The text is empty. Write the message to send.");
                ok = false;
            }
            else if (text.Length > MaxText)
            {
                Add(Field("text"), $"The text has {text.Length} characters; at most {MaxText} are allowed.");
                ok = false;
            }

            if (itemFrom is not null && from.Length > 0 && itemFrom.Trim() != from)
            {
                Add(Field("from"), $"All messages of a request share one Sender ID; this one says '{itemFrom}', the request '{from}'. Send it in another request.");
                ok = false;
            }

            if (ok)
            {
                items.Add((to!, text!));
            }
        }

        return (from, items, errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }

    private async Task<IResult?> CheckSenderAsync(Guid companyId, string from, IReadOnlyList<string> countries, int count, CancellationToken cancellationToken)
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
            return ApiProblems.Fields(StatusCodes.Status422UnprocessableEntity, "The Sender ID cannot be used for these messages.",
                new Dictionary<string, string[]> { ["from"] = refusals.Distinct().ToArray() });
        }

        var limits = await mediator.Send(new GetPlanLimits(companyId), cancellationToken);
        return limits.MaxRecipientsPerCampaign is { } max && count > max
            ? ApiProblems.Fields(StatusCodes.Status422UnprocessableEntity, "Too many recipients for your plan.",
                new Dictionary<string, string[]> { ["messages"] = [$"Your {limits.Plan} plan allows {max} recipients per request; this one has {count}."] })
            : null;
    }

    private async Task<IResult?> ReplayAsync(ApiCaller caller, string idempotencyKey, byte[] hash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(
            "SELECT request_hash, response_status, response_body FROM campaigns.api_requests WHERE company_id = @company AND idempotency_key = @key");
        command.Parameters.AddWithValue("company", caller.CompanyId);
        command.Parameters.AddWithValue("key", idempotencyKey);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(reader.GetFieldValue<byte[]>(0), hash))
        {
            return ApiProblems.Problem(StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused", "This Idempotency-Key was used with a different body.",
                "A retry must send exactly the same body as the first request with this key. For a new request use a new Idempotency-Key.");
        }

        return reader.IsDBNull(1) ? InFlight() : new Replayed(reader.GetInt32(1), reader.GetString(2));
    }

    /// <summary>The stored answer of the first request with the key, marked as a replay.</summary>
    private sealed class Replayed(int status, string body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            return Results.Content(body, "application/json", statusCode: status).ExecuteAsync(httpContext);
        }
    }

    private static async Task<bool> ClaimKeyAsync(NpgsqlConnection connection, ApiCaller caller, string key, byte[] hash, Guid campaignId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO campaigns.api_requests (company_id, idempotency_key, request_hash, campaign_id, created_at)
            VALUES (@company, @key, @hash, @campaign, @now) ON CONFLICT DO NOTHING
            """, connection);
        command.Parameters.AddWithValue("company", caller.CompanyId);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("hash", hash);
        command.Parameters.AddWithValue("campaign", campaignId);
        command.Parameters.AddWithValue("now", now);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task InsertAsync(
        NpgsqlConnection connection, Guid companyId, Guid campaignId, string from, bool marketing, IReadOnlyList<Outgoing> messages, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var campaign = new NpgsqlCommand("""
            INSERT INTO campaigns.campaigns (id, company_id, kind, name, sender_id, body, status, time_zone, respect_quiet_hours, created_at, updated_at)
            VALUES (@id, @company, @kind, @name, @sender, @body, @status, 'UTC', @marketing, @now, @now)
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

    /// <summary>Removes a request that was refused after it was stored (nothing was reserved or sent), and its key.</summary>
    private async Task ForgetAsync(ApiCaller caller, Guid campaignId, string? idempotencyKey)
    {
        await dataSource.Source.ExecuteAsync("DELETE FROM campaigns.campaigns WHERE id = @id AND company_id = @company AND status = ANY (@discardable)",
            CancellationToken.None, ("id", campaignId), ("company", caller.CompanyId), ("discardable", CampaignLifecycle.AwaitingCompany.ToArray()));
        if (idempotencyKey is not null)
        {
            await dataSource.Source.ExecuteAsync("DELETE FROM campaigns.api_requests WHERE company_id = @company AND idempotency_key = @key AND campaign_id = @id",
                CancellationToken.None, ("company", caller.CompanyId), ("key", idempotencyKey), ("id", campaignId));
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
