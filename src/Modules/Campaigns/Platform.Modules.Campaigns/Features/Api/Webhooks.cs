using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>Settings of the send API under <c>Platform:Campaigns:Api</c>.</summary>
internal sealed class SendApiOptions
{
    public const string Section = "Platform:Campaigns:Api";

    /// <summary>Requests per second one API key may make (token bucket; bursts up to the same number).</summary>
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>How often receipts are forwarded to webhooks.</summary>
    public int WebhookSeconds { get; set; } = 5;

    /// <summary>Posts per receipt before it is given up (with back-off doubling from <see cref="WebhookBackoff"/>, capped at an hour).</summary>
    public int WebhookMaxAttempts { get; set; } = 10;

    public TimeSpan WebhookBackoff { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether webhook URLs may point to loopback and private networks (off in production: <see cref="WebhookAddresses"/>).</summary>
    public bool AllowPrivateWebhookAddresses { get; set; }
}

/// <summary>
/// The <c>X-Platform-Signature</c> header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body" with the secret&gt;</c>,
/// the same scheme as Stripe's, so a receiver checks the time (5 minutes) and the MAC in constant time.
/// </summary>
internal static class WebhookSignature
{
    public const string Header = "X-Platform-Signature";

    public static string Sign(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}"));
        return $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }
}

/// <summary>
/// Posts one signed JSON body to a company's webhook URL: the one way receipts and inbound items leave, so both carry
/// the same signature, user agent, timeout and client (public addresses only, no redirects), and are retried alike.
/// </summary>
internal sealed class WebhookPoster(IHttpClientFactory httpClients, IOptions<SendApiOptions> options, TimeProvider clock)
{
    /// <summary>Returns null when the receiver answered 2xx, else what went wrong (kept as the delivery's last error).</summary>
    public async Task<string?> PostAsync(string url, string secret, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret, clock.GetUtcNow().ToUnixTimeSeconds(), body));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Platform-Webhooks", "1.0"));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.WebhookTimeout);
            using var response = await httpClients.CreateClient(WebhookDispatchJob.HttpClientName).SendAsync(request, timeout.Token);
            return response.IsSuccessStatusCode ? null : $"The receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return exception is OperationCanceledException ? "The receiver did not answer in time." : $"The post failed: {exception.Message}";
        }
    }

    /// <summary>When a post that failed for the <paramref name="attempts"/>th time is tried again: back-off doubling, capped at an hour.</summary>
    public DateTimeOffset RetryAt(DateTimeOffset now, int attempts) =>
        now + TimeSpan.FromTicks(Math.Min(TimeSpan.FromHours(1).Ticks, options.Value.WebhookBackoff.Ticks << Math.Min(20, Math.Max(0, attempts - 1))));
}

/// <summary>
/// Every few seconds: send-API messages that reached a final state (delivered, failed, expired, suppressed, unknown)
/// are put in the webhook outbox of their company (one statement, SKIP LOCKED), then due outbox rows are claimed
/// (SKIP LOCKED, with a lease) and posted to each company's URL in signed batches of up to 500. A failed post is
/// retried with doubling back-off; receivers should dedupe by message id (delivery is at least once). Then the
/// companies' inbound feeds go to the same URLs (<see cref="InboundWebhookDispatcher"/>).
/// </summary>
internal sealed class WebhookDispatchJob(
    CampaignsDataSource dataSource, WebhookPoster poster, InboundWebhookDispatcher inbound, IOptions<SendApiOptions> options, TimeProvider clock,
    ILogger<WebhookDispatchJob> logger) : IRecurringJob
{
    public const string Id = "campaigns.api-webhooks";
    public const string HttpClientName = "campaigns-webhooks";
    private const int PostBatch = 500;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var queued = await EnqueueAsync(cancellationToken);
        var (posted, failed) = (0, 0);
        IReadOnlyList<Due> due;
        var rounds = 0;
        do
        {
            due = await ClaimAsync(cancellationToken);
            foreach (var group in due.GroupBy(d => (d.Url, d.Secret)))
            {
                foreach (var chunk in group.Chunk(PostBatch))
                {
                    var error = await PostAsync(group.Key.Url, group.Key.Secret, chunk, cancellationToken);
                    await RecordAsync(chunk, error, cancellationToken);
                    (posted, failed) = error is null ? (posted + chunk.Length, failed) : (posted, failed + chunk.Length);
                }
            }
        }
        while (due.Count > 0 && ++rounds < 10 && !cancellationToken.IsCancellationRequested);

        var (inboundPosted, inboundFailed) = await inbound.DispatchAsync(cancellationToken);

        await using (var purge = dataSource.Source.CreateCommand("DELETE FROM campaigns.api_requests WHERE created_at < @cutoff"))
        {
            purge.Parameters.AddWithValue("cutoff", clock.GetUtcNow().AddHours(-24));
            await purge.ExecuteNonQueryAsync(cancellationToken);
        }

        if (queued + posted + failed + inboundPosted + inboundFailed > 0)
        {
            logger.LogInformation(
                "Send-API webhooks: {Queued} receipts queued, {Posted} posted, {Failed} failed (will retry); {InboundPosted} inbound items posted, {InboundFailed} not yet",
                queued, posted, failed, inboundPosted, inboundFailed);
        }

        return $"{queued} queued, {posted} posted, {failed} failed; inbound {inboundPosted} posted, {inboundFailed} not yet";
    }

    private sealed record Due(long Id, short Attempts, string Url, string Secret, Guid ApiId, Guid RequestId, string Phone, short State, short Segments,
        DateTimeOffset? SubmittedAt, DateTimeOffset? FinishedAt, string? Error);

    private async Task<int> EnqueueAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand($"""
            WITH picked AS (
                SELECT m.id FROM campaigns.messages m
                WHERE m.api_id IS NOT NULL AND m.state >= {MessageStateSql.FirstFinal} AND NOT m.webhook_queued
                LIMIT 20000 FOR UPDATE SKIP LOCKED),
            marked AS (
                UPDATE campaigns.messages m SET webhook_queued = true FROM picked p WHERE m.id = p.id
                RETURNING m.id, m.company_id)
            INSERT INTO campaigns.webhook_deliveries (company_id, message_id, next_attempt_at, created_at)
            SELECT k.company_id, k.id, @now, @now FROM marked k JOIN campaigns.webhooks w ON w.company_id = k.company_id
            ON CONFLICT (message_id) DO NOTHING
            """);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Takes up to 2,000 due rows for a lease of two minutes (a node that dies leaves them to be retried).</summary>
    private async Task<IReadOnlyList<Due>> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.Source.CreateCommand("""
            WITH due AS (
                SELECT id FROM campaigns.webhook_deliveries
                WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= @now
                ORDER BY next_attempt_at LIMIT 2000 FOR UPDATE SKIP LOCKED),
            leased AS (
                UPDATE campaigns.webhook_deliveries d SET next_attempt_at = @lease, attempts = d.attempts + 1
                FROM due WHERE d.id = due.id
                RETURNING d.id, d.attempts, d.company_id, d.message_id)
            SELECT l.id, l.attempts, w.url, w.secret, m.api_id, m.campaign_id, m.phone, m.state, m.segments, m.submitted_at, m.finished_at, m.error
            FROM leased l
            JOIN campaigns.webhooks w ON w.company_id = l.company_id
            JOIN campaigns.messages m ON m.id = l.message_id AND m.company_id = l.company_id
            ORDER BY l.id
            """);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("lease", now.AddMinutes(2));
        var result = new List<Due>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new Due(reader.GetInt64(0), reader.GetInt16(1), reader.GetString(2), reader.GetString(3), reader.GetGuid(4), reader.GetGuid(5),
                reader.GetString(6), reader.GetInt16(7), reader.GetInt16(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return result;
    }

    /// <summary>Posts one signed batch of receipts; returns null when the receiver answered 2xx, else what went wrong.</summary>
    private Task<string?> PostAsync(string url, string secret, IReadOnlyList<Due> batch, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new
        {
            type = "message.status",
            data = batch.Select(d => new
            {
                id = d.ApiId,
                request_id = d.RequestId,
                to = d.Phone,
                status = ApiJson.StatusName(d.State),
                segments = d.Segments,
                submitted_at = d.SubmittedAt,
                finished_at = d.FinishedAt,
                error = d.Error,
            }),
        });
        return poster.PostAsync(url, secret, body, cancellationToken);
    }

    private async Task RecordAsync(IReadOnlyList<Due> batch, string? error, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        await using var command = dataSource.Source.CreateCommand("""
            UPDATE campaigns.webhook_deliveries d SET
                delivered_at = CASE WHEN @error::text IS NULL THEN @now END,
                failed_at = CASE WHEN @error::text IS NOT NULL AND r.attempts >= @max THEN @now END,
                next_attempt_at = CASE WHEN @error::text IS NULL THEN d.next_attempt_at ELSE r.retry_at END,
                last_error = @error
            FROM unnest(@ids, @attempts, @retry_at) AS r(id, attempts, retry_at)
            WHERE d.id = r.id
            """);
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = batch.Select(d => d.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("attempts", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = batch.Select(d => d.Attempts).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("retry_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            Value = batch.Select(d => poster.RetryAt(now, d.Attempts)).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)error ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
        command.Parameters.Add(new NpgsqlParameter("max", NpgsqlDbType.Integer) { Value = settings.WebhookMaxAttempts });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
