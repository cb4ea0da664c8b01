using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Modules.Campaigns.Features.TwoWay;

/// <summary>
/// One <c>LISTEN campaigns_inbox</c> connection per host, fanned out to the inbox pages open on this host. Every write
/// to a thread notifies the channel with its company id (<see cref="ConversationStore"/>, <see cref="InboxStore"/>), on
/// whichever node made it, so a page learns of a new message at once without asking the database in a loop: each page
/// holds a <see cref="Subscription"/> that is signalled for its company only.
/// </summary>
internal sealed class InboxNotifications(CampaignsDataSource dataSource, ILogger<InboxNotifications> logger) : BackgroundService
{
    /// <summary>How long the listener waits for a notification before it checks that its connection still works.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Subscription, byte>> subscribers = new();

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

                // Whatever happened while the listener was away (a lost connection) is shown now.
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
                return;
            }
            catch (Exception exception)
            {
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
