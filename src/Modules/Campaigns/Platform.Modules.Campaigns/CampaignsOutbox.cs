using System.Text.Json;
using Npgsql;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Events;

namespace Platform.Modules.Campaigns;

/// <summary>
/// Writes Campaigns' integration events into <c>campaigns.outbox</c> from raw SQL: the status moves that announce them
/// (a campaign completed, a preparation refused) run on a <see cref="CampaignsDataSource"/> connection in their own
/// transaction, where the shared <see cref="Outbox.AddAsync"/> (a DbContext's) cannot join. The same row and wake-up
/// as that one, so the shared dispatcher delivers them alike. Handlers on <see cref="CampaignsDbContext"/> use
/// <see cref="Outbox.AddAsync"/>.
/// </summary>
internal static class CampaignsOutbox
{
    private const string Insert = $"""
        INSERT INTO {CampaignsDbContext.Schema}.outbox (event_id, event_type, payload, occurred_at, next_attempt_at)
        VALUES (@event_id, @event_type, @payload::jsonb, @occurred_at, now())
        """;

    /// <summary>Adds the event in the connection's open transaction (it commits, or is rolled back, with the change).</summary>
    public static async Task AddAsync(NpgsqlConnection connection, IntegrationEvent integrationEvent, CancellationToken cancellationToken)
    {
        var type = integrationEvent.GetType();
        await connection.ExecuteAsync(Insert, cancellationToken,
            ("event_id", integrationEvent.EventId), ("event_type", Outbox.TypeName(type)),
            ("payload", JsonSerializer.Serialize(integrationEvent, type, Outbox.Json)), ("occurred_at", integrationEvent.OccurredAt));
        // Delivered by PostgreSQL when the transaction commits, not before.
        await connection.ExecuteAsync("SELECT pg_notify(@channel, @schema)", cancellationToken, ("channel", Outbox.Channel), ("schema", CampaignsDbContext.Schema));
    }
}
