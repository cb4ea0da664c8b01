using Microsoft.Extensions.Configuration;
using Npgsql;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Shared.Events;

/// <summary>Thrown by <see cref="ModuleEventsHealthJob"/> so failing module events show on the dashboard with their errors.</summary>
public sealed class ModuleEventsFailingException(string message) : Exception(message);

/// <summary>
/// Puts module events that keep failing on the Hangfire Dashboard: every minute it looks in each module's outbox for
/// events not delivered after <see cref="FailingAfter"/> attempts and, if there are any, ends Failed with each one's
/// type, id, attempts and its handler's last error. The dispatcher keeps retrying them with back-off meanwhile; once
/// they are delivered the next run (or Retry on the dashboard) succeeds. Reads only: the partial index on undelivered
/// rows keeps it cheap.
/// </summary>
internal sealed class ModuleEventsHealthJob(IEnumerable<ModuleEventContext> modules, IConfiguration configuration) : IRecurringJob
{
    public const string Id = "platform.module-events";

    public const int FailingAfter = 3;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        await connection.OpenAsync(cancellationToken);
        var failing = new List<string>();
        long waiting = 0;
        foreach (var schema in modules.Select(m => m.Schema).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await using (var exists = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection))
            {
                exists.Parameters.AddWithValue("table", $"{schema}.outbox");
                if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
                {
                    continue; // a module that publishes nothing has no outbox
                }
            }

            await using var command = new NpgsqlCommand($"""
                SELECT event_type, event_id, attempts, last_error, count(*) OVER () FROM {schema}.outbox
                WHERE dispatched_at IS NULL AND attempts >= @failing ORDER BY id LIMIT 20;
                SELECT count(*) FROM {schema}.outbox WHERE dispatched_at IS NULL;
                """, connection);
            command.Parameters.AddWithValue("failing", FailingAfter);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var type = reader.GetString(0).Split(',')[0];
                failing.Add($"{schema}: {type[(type.LastIndexOf('.') + 1)..]} {reader.GetGuid(1)} after {reader.GetInt32(2)} attempts: {(reader.IsDBNull(3) ? "(no error kept)" : reader.GetString(3))}");
            }

            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            waiting += reader.GetInt64(0);
        }

        if (failing.Count > 0)
        {
            throw new ModuleEventsFailingException(
                $"{failing.Count} module event(s) keep failing; the dispatcher retries them with back-off (at most every few minutes):\n" + string.Join('\n', failing));
        }

        return $"{waiting} event(s) waiting for delivery, none failing";
    }
}
