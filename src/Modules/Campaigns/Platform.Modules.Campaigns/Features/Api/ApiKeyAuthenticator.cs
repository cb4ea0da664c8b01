namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>The company and key a send-API request was made with.</summary>
internal sealed record ApiCaller(Guid CompanyId, Guid KeyId);

/// <summary>Who is calling, or (<see cref="Caller"/> null) why the key was refused, in the words the caller reads.</summary>
internal sealed record ApiAuthentication(ApiCaller? Caller, string? Refusal);

/// <summary>
/// The send API's authentication: an <c>Authorization: Bearer plat_…</c> header, found by the key's public prefix and
/// checked against the stored hash (<see cref="ApiKeyFormat"/>); a revoked key is refused with its date. The edge turns a
/// refusal into a 401 with <c>WWW-Authenticate</c>.
/// </summary>
internal sealed class ApiKeyAuthenticator(CampaignsDataSource dataSource, TimeProvider clock)
{
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

        await using var command = dataSource.Source.CreateCommand("SELECT id, company_id, key_hash, revoked_at FROM campaigns.api_keys WHERE prefix = @prefix");
        command.Parameters.AddWithValue("prefix", prefix);
        Guid id, companyId;
        DateTimeOffset? revokedAt;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken) || !ApiKeyFormat.Matches(key!, reader.GetFieldValue<byte[]>(2)))
            {
                return Refused("This API key is not valid. Check that it was copied whole, or create a new one.");
            }

            (id, companyId) = (reader.GetGuid(0), reader.GetGuid(1));
            revokedAt = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3);
        }

        if (revokedAt is { } revoked)
        {
            return Refused($"This API key was revoked on {revoked:yyyy-MM-dd HH:mm} UTC. Use another key.");
        }

        // Last use is kept to the minute, so a busy key does not write on every request.
        await dataSource.Source.ExecuteAsync(
            "UPDATE campaigns.api_keys SET last_used_at = @now WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @now - interval '1 minute')",
            cancellationToken, ("id", id), ("now", clock.GetUtcNow()));
        return new ApiAuthentication(new ApiCaller(companyId, id), null);
    }

    private static ApiAuthentication Refused(string why) => new(null, why);
}
