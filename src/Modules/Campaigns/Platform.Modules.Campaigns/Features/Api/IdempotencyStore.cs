using System.Security.Cryptography;
using Npgsql;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>
/// The send API's idempotency keys (<c>campaigns.api_requests</c>): a key is claimed in the transaction that stores its
/// request, its accepted answer is kept, and a retry with the same key and body gets that answer again; the same key
/// with another body, or while the first request is still running, is refused. A refused request gives its key back.
/// </summary>
internal sealed class IdempotencyStore(CampaignsDataSource dataSource)
{
    /// <summary>The hash a request's body is compared by.</summary>
    public static byte[] Hash(byte[] body) => SHA256.HashData(body);

    /// <summary>What the key's first request left (its answer, or a refusal), or null when the key is new.</summary>
    public async Task<SendResult?> ReplayAsync(ApiCaller caller, string idempotencyKey, byte[] hash, CancellationToken cancellationToken)
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
            return new SendRefused(new SendRefusal(SendRefusalKind.IdempotencyKeyReused, "This Idempotency-Key was used with a different body.",
                "A retry must send exactly the same body as the first request with this key. For a new request use a new Idempotency-Key."));
        }

        return reader.IsDBNull(1) ? InFlight : new SendReplayed(reader.GetInt32(1), reader.GetString(2));
    }

    /// <summary>A request with this key is being processed (claimed, no answer stored yet).</summary>
    public static SendRefused InFlight { get; } = new(new SendRefusal(SendRefusalKind.IdempotencyInProgress,
        "A request with this Idempotency-Key is still being processed.", "Wait a moment, then retry with the same key and body to get its answer."));

    /// <summary>Claims the key for the request being stored, in its transaction; false when another request has it.</summary>
    public static async Task<bool> ClaimAsync(NpgsqlConnection connection, ApiCaller caller, string key, byte[] hash, Guid campaignId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync("""
            INSERT INTO campaigns.api_requests (company_id, idempotency_key, request_hash, campaign_id, created_at)
            VALUES (@company, @key, @hash, @campaign, @now) ON CONFLICT DO NOTHING
            """, cancellationToken,
            ("company", caller.CompanyId), ("key", key), ("hash", hash), ("campaign", campaignId), ("now", now)) == 1;

    /// <summary>Keeps the accepted answer (202 and its JSON) for replays.</summary>
    public Task SaveAcceptedAsync(ApiCaller caller, string key, string json, CancellationToken cancellationToken) =>
        dataSource.Source.ExecuteAsync("UPDATE campaigns.api_requests SET response_status = 202, response_body = @body WHERE company_id = @company AND idempotency_key = @key",
            cancellationToken, ("body", json), ("company", caller.CompanyId), ("key", key));

    /// <summary>Gives back the key of a request that was refused after it was stored.</summary>
    public Task ForgetAsync(ApiCaller caller, string key, Guid campaignId) =>
        dataSource.Source.ExecuteAsync("DELETE FROM campaigns.api_requests WHERE company_id = @company AND idempotency_key = @key AND campaign_id = @id",
            CancellationToken.None, ("company", caller.CompanyId), ("key", key), ("id", campaignId));
}
