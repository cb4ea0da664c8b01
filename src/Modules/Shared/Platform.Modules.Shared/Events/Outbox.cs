using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Shared.Events;

/// <summary>
/// Writes an integration event to the publishing module's outbox, inside the transaction that makes the change it
/// announces, and wakes the dispatchers (NOTIFY, delivered by PostgreSQL only when that transaction commits).
/// </summary>
public static class Outbox
{
    /// <summary>The channel every host's dispatcher listens on; the payload is the outbox's schema.</summary>
    public const string Channel = "platform_module_events";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>"Namespace.Type, Assembly": what <see cref="Type.GetType(string)"/> resolves, without a version to go stale.</summary>
    public static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    /// <summary>
    /// Adds the event to the module's outbox (the DbContext's schema) in the DbContext's current transaction; refuses to
    /// write outside one, because an event committed apart from its change is exactly what the outbox is for avoiding.
    /// </summary>
    public static async Task AddAsync(DbContext db, IntegrationEvent integrationEvent, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException(
                $"{integrationEvent.GetType().Name} must be written to the outbox inside the transaction of the change it announces.");
        }

        var schema = db.Model.GetDefaultSchema() ?? throw new InvalidOperationException($"{db.GetType().Name} has no default schema.");
        var payload = JsonSerializer.Serialize(integrationEvent, integrationEvent.GetType(), Json);
        // The schema is the module's own constant, never input.
        var insert = $"INSERT INTO {schema}.outbox (event_id, event_type, payload, occurred_at, next_attempt_at) VALUES ({{0}}, {{1}}, {{2}}::jsonb, {{3}}, now())";
        await db.Database.ExecuteSqlRawAsync(
            insert,
            [integrationEvent.EventId, TypeName(integrationEvent.GetType()), payload, integrationEvent.OccurredAt],
            cancellationToken);
        await db.Database.ExecuteSqlRawAsync("SELECT pg_notify({0}, {1})", [Channel, schema], cancellationToken);
    }
}

/// <summary>The ordering guard of <see cref="EventPosition"/>: advances a stream only forwards.</summary>
public static class EventPositions
{
    /// <summary>
    /// True (and the stream moved to <paramref name="position"/>) when the position is newer than the last applied one;
    /// false for an older or repeated one, which the handler then ignores. Runs in the DbContext's current transaction.
    /// </summary>
    public static async Task<bool> TryAdvanceAsync(DbContext db, string stream, long position, CancellationToken cancellationToken)
    {
        var schema = db.Model.GetDefaultSchema();
        var sql = $$"""
            INSERT INTO {{schema}}.event_positions AS p (stream, position, updated_at) VALUES ({0}, {1}, now())
            ON CONFLICT (stream) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
            WHERE p.position < EXCLUDED.position
            """;
        var moved = await db.Database.ExecuteSqlRawAsync(
            sql,
            [stream, position],
            cancellationToken);
        return moved == 1;
    }
}
