using System.Collections.Concurrent;
using System.Diagnostics;

namespace Platform.Modules.Campaigns.Features.TwoWay;

/// <summary>
/// The nav's unread badge per company, remembered between changes. Every page a company user opens draws the badge, so at
/// 200 page loads a second it was 200 sums a second over conversations that had not changed (issue 13;
/// the page's before/after is in docs/benchmarks.md). Every change to a thread already announces its company on every node (<see cref="InboxNotifications"/>:
/// at once on the node that wrote it, through LISTEN/NOTIFY on the others), and that announcement forgets the count
/// here; so a badge is as fresh as the inbox pages' own live updates. Only while this node's listener is connected:
/// without it, other nodes' changes would go unheard, and every badge is read from the database as before.
/// A count is kept at most <see cref="Lifetime"/> even without a change heard, for changes that announce nothing (the
/// retention job deleting old threads; a host that died between a commit and its notification).
/// </summary>
internal sealed class UnreadBadgeCounts
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int SweepAbove = 10_000;
    private static readonly long LifetimeTicks = (long)(Lifetime.TotalSeconds * Stopwatch.Frequency);
    private readonly ConcurrentDictionary<Guid, Entry> entries = new();
    private int live;

    /// <summary>Whether changes on every node reach <see cref="Forget"/> now (this node's listener is connected).</summary>
    public bool Live => Volatile.Read(ref live) == 1;

    /// <param name="count">Reads the count from the database; it runs without the caller's cancellation, since the pages
    /// of the same company that arrive meanwhile wait for the same read (one read per company at a time, not one per page).</param>
    public async Task<int> GetAsync(Guid companyId, Func<CancellationToken, Task<int>> count, CancellationToken cancellationToken)
    {
        if (!Live)
        {
            return await count(cancellationToken);
        }

        var now = Stopwatch.GetTimestamp();
        if (entries.TryGetValue(companyId, out var known) && !known.Load.IsFaulted && !known.Load.IsCanceled && known.Expires > now)
        {
            return await known.Load.WaitAsync(cancellationToken);
        }

        // A change announced while this read runs removes the entry, so the read's (possibly older) answer serves only the
        // pages that were already waiting for it, and the next page reads again.
        var entry = new Entry(count(CancellationToken.None), now + LifetimeTicks);
        entries[companyId] = entry;
        if (entries.Count > SweepAbove)
        {
            foreach (var (company, stale) in entries)
            {
                if (stale.Expires <= now)
                {
                    entries.TryRemove(new KeyValuePair<Guid, Entry>(company, stale));
                }
            }
        }

        return await entry.Load.WaitAsync(cancellationToken);
    }

    /// <summary>Something changed in the company's inbox (after it committed): the next badge reads the database.</summary>
    public void Forget(Guid companyId) => entries.TryRemove(companyId, out _);

    /// <summary>The listener is connected again (anything may have changed meanwhile) or lost: nothing remembered counts.</summary>
    public void SetLive(bool isLive)
    {
        Volatile.Write(ref live, isLive ? 1 : 0);
        entries.Clear();
    }

    /// <summary>A read of the count (done or under way) and until when its answer may be shown (monotonic clock).</summary>
    private sealed record Entry(Task<int> Load, long Expires);
}
