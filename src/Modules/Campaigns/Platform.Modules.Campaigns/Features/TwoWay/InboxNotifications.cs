using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Modules.Campaigns.Features.TwoWay;

/// <summary>
/// One <c>LISTEN campaigns_inbox</c> connection per host, fanned out to the inbox pages open on this host. Every write
/// to a thread announces its company id once it has committed (<see cref="Announce"/>, from <see cref="ConversationStore"/>
/// and <see cref="InboxStore"/>); the host that wrote it notifies the channel, so every node's pages learn of a new
/// message at once without asking the database in a loop: each page holds a <see cref="Subscription"/> that is
/// signalled for its company only.
/// </summary>
internal sealed class InboxNotifications(CampaignsDataSource dataSource, UnreadBadgeCounts badges, ILogger<InboxNotifications> logger) : BackgroundService
{
    /// <summary>How long the listener waits for a notification before it checks that its connection still works.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Subscription, byte>> subscribers = new();

    /// <summary>Companies announced and not yet notified; at most one <see cref="NotifyAsync"/> drains it at a time.</summary>
    private readonly ConcurrentDictionary<Guid, byte> announced = new();

    private int notifying;

    /// <summary>
    /// Tells every node's open pages that the company's inbox changed; call it after the change committed. Not a NOTIFY in
    /// the writing transaction: PostgreSQL serialises the commits of all notifying transactions (a database-wide lock
    /// held through the WAL flush), which made every inbound reply of every company commit one at a time. Here the
    /// companies announced meanwhile go out together in one short statement, one at a time per host, so a burst of
    /// replies costs a few notifications, and a page still wakes once per burst. A host that dies between a commit and
    /// its notification leaves open pages to show that message with the next change (live updates only; nothing is lost).
    /// </summary>
    public void Announce(Guid companyId)
    {
        badges.Forget(companyId); // this node's next page shows the change at once; the others hear it below
        announced[companyId] = 0;
        if (Interlocked.CompareExchange(ref notifying, 1, 0) == 0)
        {
            _ = Task.Run(NotifyAsync);
        }
    }

    private async Task NotifyAsync()
    {
        while (true)
        {
            var companies = new List<Guid>();
            foreach (var company in announced.Keys)
            {
                if (announced.TryRemove(company, out _))
                {
                    companies.Add(company);
                }
            }

            if (companies.Count > 0)
            {
                try
                {
                    await using var command = dataSource.Source.CreateCommand(
                        $"SELECT count(pg_notify('{ConversationStore.Channel}', c::text)) FROM unnest(@companies) AS c");
                    command.Parameters.Add(new NpgsqlParameter("companies", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid) { Value = companies.ToArray() });
                    await command.ExecuteScalarAsync();
                }
                catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
                {
                    // The database is away: the pages are told when it is back (with whatever changes by then).
                    logger.LogWarning(exception, "Inbox notification for {Count} companies failed; tried again in a second", companies.Count);
                    foreach (var company in companies)
                    {
                        announced.TryAdd(company, 0);
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1));
                    continue;
                }
            }

            // Done unless something was announced after the drain (its Announce saw notifying = 1 and left it to us).
            Volatile.Write(ref notifying, 0);
            if (announced.IsEmpty || Interlocked.CompareExchange(ref notifying, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>Signals the caller whenever something changed in the company's inbox; dispose it when the page goes.</summary>
    public Subscription Subscribe(Guid companyId)
    {
        var subscription = new Subscription(this, companyId);
        subscribers.GetOrAdd(companyId, _ => new ConcurrentDictionary<Subscription, byte>())[subscription] = 0;
        return subscription;
    }

    private void Unsubscribe(Subscription subscription)
    {
        if (subscribers.TryGetValue(subscription.CompanyId, out var set))
        {
            set.TryRemove(subscription, out _);
        }
    }

    private void Signal(Guid companyId)
    {
        badges.Forget(companyId);
        if (subscribers.TryGetValue(companyId, out var set))
        {
            foreach (var subscription in set.Keys)
            {
                subscription.Signal();
            }
        }
    }

    private void SignalAll()
    {
        foreach (var set in subscribers.Values)
        {
            foreach (var subscription in set.Keys)
            {
                subscription.Signal();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.Source.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var companyId))
                    {
                        Signal(companyId);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {ConversationStore.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Whatever happened while the listener was away (a lost connection) is shown now; from here on every
                // node's changes are heard, so the badge counts may be remembered between them.
                badges.SetLive(true);
                SignalAll();
                delay = TimeSpan.FromSeconds(1);
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(Heartbeat, stoppingToken))
                    {
                        // No notification for a while: a dead connection would wait forever, so prove it alive.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                badges.SetLive(false);
                return;
            }
            catch (Exception exception)
            {
                badges.SetLive(false); // deaf to other nodes now: badges are read from the database until it listens again
                logger.LogWarning(exception, "The inbox listener lost its database connection; it listens again in {Delay}", delay);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>
    /// One open page's interest in one company's inbox. Signals collapse: however many notifications arrive while the page
    /// is busy, it wakes once, so a burst of messages costs a page one refresh, not one per message.
    /// </summary>
    internal sealed class Subscription(InboxNotifications owner, Guid companyId) : IDisposable
    {
        private readonly SemaphoreSlim signal = new(0, 1);

        public Guid CompanyId { get; } = companyId;

        internal void Signal()
        {
            try
            {
                signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled and not yet seen: one wake-up covers both.
            }
            catch (ObjectDisposedException)
            {
                // The page went away meanwhile.
            }
        }

        /// <summary>True when signalled within <paramref name="timeout"/>, false when the time ran out.</summary>
        public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);

        public void Dispose()
        {
            owner.Unsubscribe(this);
            signal.Dispose();
        }
    }
}
