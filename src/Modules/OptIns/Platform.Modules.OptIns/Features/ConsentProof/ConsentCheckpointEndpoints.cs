using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Platform.Modules.OptIns.Features.ConsentProof;

/// <summary>
/// The public side of consent proof: the key that verifies checkpoints and every signed checkpoint, for anyone (a
/// carrier, a regulator, the company's lawyer) to fetch and keep outside the platform.
/// </summary>
internal static class ConsentCheckpointEndpoints
{
    public const string KeyPath = "/privacy/consent-key.pem";
    public const string CheckpointsPath = "/privacy/consent-checkpoints";

    public static IEndpointRouteBuilder MapConsentCheckpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(KeyPath, (ConsentSigningKey key) => Results.Text(key.PublicKeyPem, "application/x-pem-file")).AllowAnonymous();
        endpoints.MapGet(CheckpointsPath, ListAsync).AllowAnonymous();
        endpoints.MapGet(CheckpointsPath + "/{id:long}", GetAsync).AllowAnonymous();
        return endpoints;
    }

    /// <summary>The latest checkpoints, newest first (a year of daily ones); each entry links to the signed checkpoint.</summary>
    private static async Task<IResult> ListAsync(OptInsDataSource data, CancellationToken cancellationToken)
    {
        await using var command = data.Source.CreateCommand(
            "SELECT id, issued_at, key_id FROM optins.consent_checkpoints ORDER BY id DESC LIMIT 400");
        var list = new List<object>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetInt64(0);
            list.Add(new
            {
                id,
                issuedAt = ConsentLeafText.Timestamp(reader.GetFieldValue<DateTimeOffset>(1)),
                keyId = reader.GetString(2),
                url = $"{CheckpointsPath}/{id.ToString(CultureInfo.InvariantCulture)}",
            });
        }

        return Results.Json(list, ConsentProofJson.Options);
    }

    private static async Task<IResult> GetAsync(long id, OptInsDataSource data, CancellationToken cancellationToken)
    {
        await using var command = data.Source.CreateCommand("SELECT body, signature, key_id FROM optins.consent_checkpoints WHERE id = @id");
        command.Parameters.Add(new NpgsqlParameter("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? Results.Json(new SignedCheckpoint(id, reader.GetString(0), Convert.ToBase64String((byte[])reader[1]), reader.GetString(2)), ConsentProofJson.Options)
            : Results.NotFound();
    }
}
