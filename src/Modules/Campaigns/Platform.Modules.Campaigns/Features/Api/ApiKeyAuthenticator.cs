namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>The company and key a send-API request was made with.</summary>
internal sealed record ApiCaller(Guid CompanyId, Guid KeyId);

/// <summary>Who is calling, or (<see cref="Caller"/> null) why the key was refused, in the words the caller reads.</summary>
internal sealed record ApiAuthentication(ApiCaller? Caller, string? Refusal);

/// <summary>
/// The send API's authentication: an <c>Authorization: Bearer plat_…</c> header, found by the key's public prefix and
/// checked against the stored hash (<see cref="ApiKeyFormat"/>); a revoked key is refused with its date. The edge turns a
/// refusal into a 401 with <c>WWW-Authenticate</c>.
/// A key's row is remembered on each node for <see cref="Remembered"/> (issue #16: two statements per request were a
/// fifth of what a one-message request cost the database at 64 clients), as sessions are (ADR 39): a revocation takes
/// effect at once on the node that revoked it (<see cref="Forget"/>) and within that time on the others. Last use is
/// written at most once a minute per key and node.
/// </summary>
internal sealed class ApiKeyAuthenticator(CampaignsDataSource dataSource, TimeProvider clock)
{
    /// <summary>How long a node answers from a key's row it read.</summary>
    public static readonly TimeSpan Remembered = TimeSpan.FromSeconds(2);

    private sealed record KeyRow(Guid Id, Guid CompanyId, byte[] Hash, DateTimeOffset? RevokedAt, DateTimeOffset ReadAt);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, KeyRow> rows = new(StringComparer.Ordinal);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, DateTimeOffset> lastUseWritten = new();

    public async Task<ApiAuthentication> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return Refused("Send your API key in the Authorization header: \"Authorization: Bearer plat_…\". Create keys under Campaigns → API keys.");
        }

        var key = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
        if (ApiKeyFormat.PrefixOf(key) is not { } prefix)
        {
            return Refused("The Authorization header must be \"Bearer \" followed by an API key (it starts with plat_).");
        }

        var now = clock.GetUtcNow();
        if (!rows.TryGetValue(prefix, out var row) || now - row.ReadAt >= Remembered)
        {
            row = await ReadAsync(prefix, now, cancellationToken);
            if (row is null)
            {
                rows.TryRemove(prefix, out _);
            }
            else
            {
                rows[prefix] = row;
            }
        }

        if (row is null || !ApiKeyFormat.Matches(key!, row.Hash))
        {
            return Refused("This API key is not valid. Check that it was copied whole, or create a new one.");
        }

        if (row.RevokedAt is { } revoked)
        {
            return Refused($"This API key was revoked on {revoked:yyyy-MM-dd HH:mm} UTC. Use another key.");
        }

        // Last use is kept to the minute, so a busy key does not write on every request.
        if (!lastUseWritten.TryGetValue(row.Id, out var written) || now - written >= TimeSpan.FromMinutes(1))
        {
            lastUseWritten[row.Id] = now;
            await dataSource.Source.ExecuteAsync(
                "UPDATE campaigns.api_keys SET last_used_at = @now WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @now - interval '1 minute')",
                cancellationToken, ("id", row.Id), ("now", now));
        }

        return new ApiAuthentication(new ApiCaller(row.CompanyId, row.Id), null);
    }

    /// <summary>A key revoked on this node is refused from its next request on.</summary>
    public void Forget(Guid keyId)
    {
        foreach (var (prefix, row) in rows)
        {
            if (row.Id == keyId)
            {
                rows.TryRemove(prefix, out _);
            }
        }
    }

    private async Task<KeyRow?> ReadAsync(string prefix, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("SELECT id, company_id, key_hash, revoked_at FROM campaigns.api_keys WHERE prefix = @prefix");
        command.Parameters.AddWithValue("prefix", prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new KeyRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetFieldValue<byte[]>(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), now)
            : null;
    }

    private static ApiAuthentication Refused(string why) => new(null, why);
}
