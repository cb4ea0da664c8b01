using System.Collections.Concurrent;
using System.Diagnostics;
using Platform.Modules.Shared;

namespace Platform.Host.Sessions;

/// <summary>
/// Sessions this node read from <c>platform.sessions</c> in the last <see cref="Lifetime"/> (ADR 39): the store answers a
/// session's next requests from here instead of reading its row again. Every authenticated request read the row (ADR 21),
/// the most frequent statement of a busy page; a person's requests come in bursts (a page, its live stream, a reload),
/// so a couple of seconds cover most of them.
/// What this costs: a session ended on <em>another</em> node keeps opening pages on this one for at most
/// <see cref="Lifetime"/> (2 s by default, <c>Platform:Sessions:CacheSeconds</c>, <see cref="ServerSessionServices.SessionMemory"/>;
/// 0 turns the cache off). A session ended
/// on this node (logout, "sign out everywhere", an admin, a password change) is forgotten here before the call returns,
/// so this node refuses it at the next request, as before. An expired session is refused whatever is remembered.
/// What is kept is the row's serialized ticket, never a shared ticket object: each request deserializes its own copy.
/// </summary>
internal sealed class RecentSessions
{
    private const int SweepAbove = 10_000;
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly long lifetimeTicks;
    private long generation;

    public RecentSessions(TimeSpan lifetime)
    {
        Lifetime = lifetime < TimeSpan.Zero ? TimeSpan.Zero : lifetime;
        lifetimeTicks = (long)(Lifetime.TotalSeconds * Stopwatch.Frequency);
    }

    public TimeSpan Lifetime { get; }

    /// <summary>The session for <paramref name="keyHash"/> if this node read it less than <see cref="Lifetime"/> ago and it has not expired.</summary>
    public Entry? Find(string scheme, byte[] keyHash, DateTimeOffset now)
    {
        if (lifetimeTicks == 0 || !entries.TryGetValue(Key(scheme, keyHash), out var entry))
        {
            return null;
        }

        return entry.FreshUntil > Stopwatch.GetTimestamp() && entry.ExpiresAt > now ? entry : null;
    }

    /// <summary>Taken before the row is read; <see cref="Remember"/> keeps the row only if nothing was forgotten since.</summary>
    public long Generation => Volatile.Read(ref generation);

    /// <summary>
    /// Keeps a row read after <paramref name="readSince"/> was taken. A session ended while the row was being read is
    /// not kept: every <see cref="Forget"/> moves the generation first and then removes its entries, and this stores first
    /// and then looks at the generation, so either the forgetting sees the entry or this sees the forgetting.
    /// </summary>
    public void Remember(long readSince, string scheme, byte[] keyHash, Entry entry)
    {
        if (lifetimeTicks == 0)
        {
            return;
        }

        var key = Key(scheme, keyHash);
        var stored = entry with { FreshUntil = Stopwatch.GetTimestamp() + lifetimeTicks };
        entries[key] = stored;
        if (Generation != readSince)
        {
            entries.TryRemove(new KeyValuePair<string, Entry>(key, stored));
        }

        if (entries.Count > SweepAbove)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var (staleKey, stale) in entries)
            {
                if (stale.FreshUntil <= now)
                {
                    entries.TryRemove(new KeyValuePair<string, Entry>(staleKey, stale));
                }
            }
        }
    }

    /// <summary>Forgets the sessions that match (call it once their rows are deleted or changed).</summary>
    public void Forget(Func<Entry, bool> ended)
    {
        Interlocked.Increment(ref generation);
        foreach (var (key, entry) in entries)
        {
            if (ended(entry))
            {
                entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }
    }

    private static string Key(string scheme, byte[] keyHash) => scheme + ":" + Convert.ToBase64String(keyHash);

    /// <summary>A session row as read: its id, whose it is, the serialized ticket and when it expires.</summary>
    internal sealed record Entry(Guid Id, string Scheme, string Subject, byte[] KeyHash, byte[] Ticket, DateTimeOffset ExpiresAt)
    {
        /// <summary>Until when (monotonic clock, <see cref="Stopwatch"/>) it may answer without a read.</summary>
        public long FreshUntil { get; init; }
    }
}
