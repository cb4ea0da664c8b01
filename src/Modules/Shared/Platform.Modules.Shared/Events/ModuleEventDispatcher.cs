using System.Reflection;
using System.Text.Json;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.Modules.Shared.Events;

/// <summary>Settings of the module-event dispatcher (<c>Platform:ModuleEvents</c>).</summary>
public sealed class ModuleEventsOptions
{
    public const string Section = "Platform:ModuleEvents";

    /// <summary>False: this host writes events but delivers none (another host does). Default true.</summary>
    public bool Dispatch { get; set; } = true;

    /// <summary>How often a host looks for due events and free outboxes without a notification.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Delivered events are deleted this long after delivery (their payload may hold a phone number).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>What handlers handled is remembered this long (redelivery happens within minutes, not weeks).</summary>
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The longest wait between two attempts of a failing event.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Tests only (honoured in the Testing environment and nowhere else): the handler with this type name fails after it
    /// ran (so its transaction rolls back) on the first <see cref="TestFailAttempts"/> attempts of every event.
    /// </summary>
    public string? TestFailHandler { get; set; }

    public int TestFailAttempts { get; set; }
}

/// <summary>A module as the dispatcher sees it: its schema and its DbContext (for the inbox in the handler's transaction).</summary>
internal sealed record ModuleEventContext(string Name, string Schema, Assembly Assembly, Type ContextType);

/// <summary>
/// Delivers the modules' outbox events to every <see cref="INotificationHandler{TNotification}"/> of their type, at
/// least once. One per host. Each outbox is served by one host at a time (a session advisory lock on a dedicated
/// connection that also LISTENs), so events leave an outbox in order; a host that dies drops its locks with its
/// connection and another host takes the outbox over at its next sweep. Rows are claimed with FOR UPDATE SKIP LOCKED.
/// A host holds that one connection while idle; a sweep borrows one more from the pool and drains its outboxes one
/// after the other on it (not one connection per outbox: hosts are many, PostgreSQL's connections few, events rare).
/// Each handler runs in a scope and transaction of its own, with its module's inbox row written in that transaction:
/// a redelivered event is skipped by a handler that already committed it. A failing handler is retried with back-off;
/// every failure is logged with its exception, and the outbox row keeps attempts and the last error.
/// </summary>
internal sealed class ModuleEventDispatcher(
    IServiceProvider services,
    IEnumerable<ModuleEventContext> modules,
    IConfiguration configuration,
    IOptions<ModuleEventsOptions> options,
    IHostEnvironment environment,
    ILogger<ModuleEventDispatcher> logger) : BackgroundService
{
    private const int BatchSize = 200;

    /// <summary>The schemas with an outbox; the modules with an inbox, by assembly (found once: it takes reflection).</summary>
    private readonly string[] outboxes = modules.Where(m => EventTableTypes.HasOutbox(m.Assembly)).Select(m => m.Schema).Distinct().ToArray();
    private readonly Dictionary<Assembly, ModuleEventContext> inboxes = modules.Where(m => EventTableTypes.HasInbox(m.Assembly))
        .DistinctBy(m => m.Assembly).ToDictionary(m => m.Assembly);

    /// <summary>Per event type name: how to hand it to its handlers (null: no such type). Registrations do not change while the host runs.</summary>
    private readonly Dictionary<string, EventRoute?> routes = new(StringComparer.Ordinal);
    private DateTimeOffset nextCleanup = DateTimeOffset.MinValue;

    private sealed record EventRoute(Type Type, Type HandlerInterface, MethodInfo Handle, IReadOnlyList<Type> HandlerTypes);

    /// <summary>The advisory lock key of an outbox: fixed per schema (FNV-1a, not the randomised string hash).</summary>
    public static long LockKey(string schema)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in "outbox:" + schema)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (long)hash;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Dispatch)
        {
            logger.LogInformation("Module events: this host does not dispatch (Platform:ModuleEvents:Dispatch is false)");
            return;
        }

        if (outboxes.Length == 0)
        {
            return;
        }

        await Task.Yield();
        var connectionString = configuration.PlatformConnectionString();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = new NpgsqlConnection(connectionString);
                await listener.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Outbox.Channel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                var held = new List<string>();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await TakeFreeOutboxesAsync(listener, held, stoppingToken);
                    if (held.Count > 0)
                    {
                        await using var connection = new NpgsqlConnection(connectionString);
                        await connection.OpenAsync(stoppingToken);
                        foreach (var schema in held)
                        {
                            await DrainAsync(connection, schema, stoppingToken);
                        }

                        await CleanUpAsync(connection, held, stoppingToken);
                    }

                    // Woken at once by a commit's NOTIFY; otherwise a sweep (retries that came due, outboxes a dead host held).
                    await listener.WaitAsync(settings.SweepInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "Module events: the dispatcher lost its connection; it starts again in a second");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>
    /// Takes the advisory locks of the outboxes no host serves, in one round trip, on the listening connection (the locks
    /// live as long as it does).
    /// </summary>
    private async Task TakeFreeOutboxesAsync(NpgsqlConnection listener, List<string> held, CancellationToken cancellationToken)
    {
        var free = outboxes.Except(held).ToArray();
        if (free.Length == 0)
        {
            return;
        }

        await using var take = new NpgsqlCommand("SELECT k FROM unnest(@keys) AS k WHERE pg_try_advisory_lock(k)", listener);
        take.Parameters.AddWithValue("keys", free.Select(LockKey).ToArray());
        var taken = new HashSet<long>();
        await using (var reader = await take.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                taken.Add(reader.GetInt64(0));
            }
        }

        foreach (var schema in free.Where(schema => taken.Contains(LockKey(schema))))
        {
            held.Add(schema);
            logger.LogInformation("Module events: this host dispatches the {Schema} outbox", schema);
        }
    }

    /// <summary>Delivers the due events of one outbox, oldest first, a batch per transaction, until none is due.</summary>
    private async Task DrainAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var batch = new List<(long Id, Guid EventId, string Type, string Payload, int Attempts)>();
            await using (var claim = new NpgsqlCommand(
                $"""
                SELECT id, event_id, event_type, payload::text, attempts FROM {schema}.outbox
                WHERE dispatched_at IS NULL AND next_attempt_at <= now()
                ORDER BY id LIMIT {BatchSize}
                FOR UPDATE SKIP LOCKED
                """, connection, transaction))
            await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    batch.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
                }
            }

            foreach (var row in batch)
            {
                string? error = null;
                try
                {
                    await DeliverAsync(row.EventId, row.Type, row.Payload, row.Attempts, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception exception)
                {
                    error = exception.ToString();
                    logger.LogError(exception, "Module events: {EventType} {EventId} from the {Schema} outbox failed on attempt {Attempt}; it is retried with back-off",
                        row.Type, row.EventId, schema, row.Attempts + 1);
                }

                await using var mark = new NpgsqlCommand(error is null
                    ? $"UPDATE {schema}.outbox SET dispatched_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = @id"
                    : $"UPDATE {schema}.outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = now() + @delay WHERE id = @id",
                    connection, transaction);
                mark.Parameters.AddWithValue("id", row.Id);
                if (error is not null)
                {
                    mark.Parameters.AddWithValue("error", error.Length > 4000 ? error[..4000] : error);
                    mark.Parameters.AddWithValue("delay", Backoff(row.Attempts + 1));
                }

                await mark.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            if (batch.Count < BatchSize)
            {
                return;
            }
        }
    }

    /// <summary>1 s, 2 s, 4 s … up to <see cref="ModuleEventsOptions.MaxBackoff"/>.</summary>
    private TimeSpan Backoff(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Min(attempts - 1, 20)), options.Value.MaxBackoff.TotalSeconds));

    /// <summary>Hands one event to every handler of its type, each in its own scope and transaction with its inbox row.</summary>
    private async Task DeliverAsync(Guid eventId, string typeName, string payload, int attempts, CancellationToken cancellationToken)
    {
        var route = await RouteAsync(typeName) ?? throw new InvalidOperationException($"Unknown event type {typeName}.");
        var integrationEvent = (IntegrationEvent)(JsonSerializer.Deserialize(payload, route.Type, Outbox.Json)
            ?? throw new InvalidOperationException($"Empty payload for {typeName}."));
        integrationEvent = integrationEvent with { EventId = eventId };

        var failures = new List<Exception>();
        foreach (var handlerType in route.HandlerTypes)
        {
            try
            {
                await HandleOnceAsync(handlerType, route.HandlerInterface, route.Handle, integrationEvent, attempts, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failures.Add(new InvalidOperationException($"{handlerType.FullName} failed on {route.Type.Name} {eventId}: {exception.Message}", exception));
            }
        }

        if (failures.Count > 0)
        {
            throw failures.Count == 1 ? failures[0] : new AggregateException(failures);
        }
    }

    private async Task HandleOnceAsync(Type handlerType, Type handlerInterface, MethodInfo handle, IntegrationEvent integrationEvent, int attempts, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetServices(handlerInterface).First(h => h!.GetType() == handlerType)!;
        var name = handlerType.FullName!;
        var failForTest = environment.IsEnvironment("Testing") && options.Value.TestFailHandler is { Length: > 0 } failing
            && (failing == handlerType.Name || failing == name) && attempts < options.Value.TestFailAttempts;

        if (!inboxes.TryGetValue(handlerType.Assembly, out var module))
        {
            // A handler outside any module with an inbox (none today): at least once, so it must be idempotent by itself.
            await InvokeAsync(handle, handler, integrationEvent, cancellationToken);
            return;
        }

        var db = (DbContext)scope.ServiceProvider.GetRequiredService(module.ContextType);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var remember = $"INSERT INTO {module.Schema}.inbox (event_id, handler, handled_at) VALUES ({{0}}, {{1}}, now()) ON CONFLICT DO NOTHING";
        var first = await db.Database.ExecuteSqlRawAsync(
            remember,
            [integrationEvent.EventId, name], cancellationToken);
        if (first == 0)
        {
            logger.LogInformation("Module events: {Handler} already handled {EventId}; skipped", name, integrationEvent.EventId);
            return;
        }

        await InvokeAsync(handle, handler, integrationEvent, cancellationToken);
        if (failForTest)
        {
            throw new InvalidOperationException($"Testing: {handlerType.Name} fails on attempt {attempts + 1} (Platform:ModuleEvents:TestFailAttempts).");
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task InvokeAsync(MethodInfo handle, object handler, IntegrationEvent integrationEvent, CancellationToken cancellationToken)
    {
        try
        {
            await (Task)handle.Invoke(handler, [integrationEvent, cancellationToken])!;
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception.InnerException);
        }
    }

    /// <summary>The event type and its handlers, found on its first event (only the dispatcher's one loop calls this).</summary>
    private async Task<EventRoute?> RouteAsync(string typeName)
    {
        if (routes.TryGetValue(typeName, out var route))
        {
            return route;
        }

        if (Type.GetType(typeName, throwOnError: false) is { } type)
        {
            var handlerInterface = typeof(INotificationHandler<>).MakeGenericType(type);
            await using var probe = services.CreateAsyncScope();
            var handlerTypes = probe.ServiceProvider.GetServices(handlerInterface).Select(h => h!.GetType()).Distinct().ToList();
            route = new EventRoute(type, handlerInterface, handlerInterface.GetMethod(nameof(INotificationHandler<IntegrationEvent>.Handle))!, handlerTypes);
        }

        routes[typeName] = route;
        return route;
    }

    /// <summary>Every few minutes: delivered events past their retention go (their payloads may hold phone numbers), and old inbox rows.</summary>
    private async Task CleanUpAsync(NpgsqlConnection connection, IReadOnlyList<string> held, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (now < nextCleanup)
        {
            return;
        }

        nextCleanup = now.AddMinutes(5);
        foreach (var schema in held)
        {
            await using var delete = new NpgsqlCommand($"DELETE FROM {schema}.outbox WHERE dispatched_at < now() - @keep", connection);
            delete.Parameters.AddWithValue("keep", options.Value.Retention);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var module in inboxes.Values)
        {
            await using var delete = new NpgsqlCommand($"DELETE FROM {module.Schema}.inbox WHERE handled_at < now() - @keep", connection);
            delete.Parameters.AddWithValue("keep", options.Value.InboxRetention);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
