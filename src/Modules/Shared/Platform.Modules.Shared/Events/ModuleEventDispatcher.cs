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

    /// <summary>
    /// Events of different companies one host delivers at once from a batch (each company's in order, one after the other).
    /// One at a time, a busy database put the last of 20 events a second seconds behind (docs/benchmarks.md).
    /// </summary>
    public int Parallelism { get; set; } = 8;

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
/// connection that also LISTENs); a host that dies drops its locks with its connection and another host takes the
/// outbox over at its next sweep. The serving host's <see cref="OutboxPump"/> delivers one company's events in order
/// and different companies' at once. A host holds that one connection while idle; reading and marking borrow pooled
/// connections for a statement each (not one connection per outbox: hosts are many, PostgreSQL's connections few).
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

    private int Parallelism => options.Value.Parallelism;

    private ILogger Logger => logger;

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
        // Kept across reconnects of the listener: a pump knows what it has in flight, so nothing is started twice at once.
        var pumps = new Dictionary<string, OutboxPump>(StringComparer.Ordinal);
        try
        {
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
                        foreach (var schema in held)
                        {
                            if (!pumps.TryGetValue(schema, out var pump))
                            {
                                pumps[schema] = pump = new OutboxPump(this, schema, connectionString);
                            }

                            await pump.StartDueAsync(stoppingToken);
                        }

                        if (held.Count > 0)
                        {
                            await CleanUpAsync(connectionString, held, stoppingToken);
                        }

                        // Woken at once by a commit's NOTIFY; otherwise a sweep (retries that came due, outboxes a dead host
                        // held). A pump with its hands full looks again soon: what it could not take is already due.
                        var full = held.Any(schema => pumps[schema].Full);
                        await listener.WaitAsync(full ? TimeSpan.FromMilliseconds(50) : settings.SweepInterval, stoppingToken);
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
        finally
        {
            // Deliveries under way end before the host's services go (a cancelled one is delivered again later: at least once).
            await Task.WhenAll(pumps.Values.Select(pump => pump.IdleAsync()));
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

    /// <summary>
    /// One outbox as this host serves it (while it holds the outbox's advisory lock, no other host does). Due events are
    /// started as they come, without waiting for the ones under way: events of one company in order (oldest first, each
    /// after the one before it ended), different companies' at once, up to <see cref="ModuleEventsOptions.Parallelism"/>.
    /// Every event names its company, and what a handler must not see out of order (an opt-in after the opt-out that
    /// followed it) is one company's. One at a time, a company whose handler waited (a locked row, a slow database)
    /// held up every company behind it. Each row is marked when its handlers committed, with that time.
    /// </summary>
    private sealed class OutboxPump(ModuleEventDispatcher dispatcher, string schema, string connectionString)
    {
        private readonly object gate = new();
        private readonly HashSet<long> inFlight = [];
        private readonly Dictionary<string, CompanyChain> chains = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim slots = new(Math.Max(1, dispatcher.Parallelism));

        /// <summary>The last event started for a company and how many of its events are not finished yet.</summary>
        private sealed class CompanyChain
        {
            public Task Last { get; set; } = Task.CompletedTask;

            public int Pending { get; set; }
        }

        /// <summary>As many events under way as one read takes: the rest wait in the table, not in memory.</summary>
        public bool Full
        {
            get
            {
                lock (gate)
                {
                    return inFlight.Count >= BatchSize;
                }
            }
        }

        /// <summary>Reads the due events not under way yet, oldest first, and starts each behind its company's previous one.</summary>
        public async Task StartDueAsync(CancellationToken cancellationToken)
        {
            long[] busy;
            lock (gate)
            {
                if (inFlight.Count >= BatchSize)
                {
                    return;
                }

                busy = [.. inFlight];
            }

            var due = new List<OutboxRow>();
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync(cancellationToken);
                await using var read = new NpgsqlCommand(
                    $"""
                    SELECT id, event_id, event_type, payload::text, attempts, coalesce(payload->>'companyId', event_id::text) FROM {schema}.outbox
                    WHERE dispatched_at IS NULL AND next_attempt_at <= now() AND id <> ALL(@busy)
                    ORDER BY id LIMIT {BatchSize - busy.Length}
                    """, connection);
                read.Parameters.AddWithValue("busy", busy);
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    due.Add(new OutboxRow(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetString(5)));
                }
            }

            // Routes are found here, before any of these run: the cache is the dispatcher loop's.
            foreach (var type in due.Select(row => row.Type).Distinct())
            {
                await dispatcher.RouteAsync(type);
            }

            lock (gate)
            {
                foreach (var row in due)
                {
                    inFlight.Add(row.Id);
                    if (!chains.TryGetValue(row.OrderingKey, out var chain))
                    {
                        chains[row.OrderingKey] = chain = new CompanyChain();
                    }

                    chain.Pending++;
                    var previous = chain.Last;
                    chain.Last = Task.Run(() => RunAfterAsync(previous, row, cancellationToken), CancellationToken.None);
                }
            }
        }

        /// <summary>Ends when every event started has ended (at the host's stop).</summary>
        public Task IdleAsync()
        {
            lock (gate)
            {
                return Task.WhenAll(chains.Values.Select(chain => chain.Last));
            }
        }

        private async Task RunAfterAsync(Task previous, OutboxRow row, CancellationToken cancellationToken)
        {
            try
            {
                await previous; // never faults: each run catches its own failures
                await slots.WaitAsync(cancellationToken);
                try
                {
                    var error = await dispatcher.DeliverOrErrorAsync(schema, row, cancellationToken);
                    await MarkAsync(row, DateTimeOffset.UtcNow, error, cancellationToken);
                }
                finally
                {
                    slots.Release();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host stops: not marked, so delivered again (handlers that committed skip it by their inbox).
            }
            catch (Exception exception)
            {
                // The mark could not be written (the database went away): the event is delivered again and the inbox skips it.
                dispatcher.Logger.LogWarning(exception, "Module events: {EventId} from the {Schema} outbox could not be marked; it is delivered again", row.EventId, schema);
            }
            finally
            {
                lock (gate)
                {
                    inFlight.Remove(row.Id);
                    if (--chains[row.OrderingKey].Pending == 0)
                    {
                        chains.Remove(row.OrderingKey);
                    }
                }
            }
        }

        private async Task MarkAsync(OutboxRow row, DateTimeOffset at, string? error, CancellationToken cancellationToken)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var mark = new NpgsqlCommand(error is null
                ? $"UPDATE {schema}.outbox SET dispatched_at = @at, attempts = attempts + 1, last_error = NULL WHERE id = @id"
                : $"UPDATE {schema}.outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = now() + @delay WHERE id = @id",
                connection);
            mark.Parameters.AddWithValue("id", row.Id);
            if (error is null)
            {
                mark.Parameters.AddWithValue("at", at);
            }
            else
            {
                mark.Parameters.AddWithValue("error", error.Length > 4000 ? error[..4000] : error);
                mark.Parameters.AddWithValue("delay", dispatcher.Backoff(row.Attempts + 1));
            }

            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private sealed record OutboxRow(long Id, Guid EventId, string Type, string Payload, int Attempts, string OrderingKey);

    /// <summary>Delivers one event; null when every handler committed, else the failure as text (it is logged here).</summary>
    private async Task<string?> DeliverOrErrorAsync(string schema, OutboxRow row, CancellationToken cancellationToken)
    {
        try
        {
            await DeliverAsync(row.EventId, row.Type, row.Payload, row.Attempts, cancellationToken);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Module events: {EventType} {EventId} from the {Schema} outbox failed on attempt {Attempt}; it is retried with back-off",
                row.Type, row.EventId, schema, row.Attempts + 1);
            return exception.ToString();
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

    /// <summary>The event type and its handlers, found on its first event (the dispatcher's one loop fills this before a batch runs in parallel).</summary>
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
    private async Task CleanUpAsync(string connectionString, IReadOnlyList<string> held, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (now < nextCleanup)
        {
            return;
        }

        nextCleanup = now.AddMinutes(5);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
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
