using Microsoft.Extensions.Caching.Memory;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>
/// What the send API reads for every batch it stores and what seldom changes, remembered on each node (issue #16: at 64
/// clients sending one message each, these reads were a third of a batch's round trips to the database, each on a
/// connection of its own): the calling codes, a reference table only migrations write, for <see cref="Reference"/>; a
/// company's usable Sender IDs, a Sender ID's check per country, the company's plan limits and its price per country for
/// <see cref="Short"/>, as API keys are (<see cref="ApiKeyAuthenticator"/>) — so a Sender ID revoked, or a plan changed,
/// holds on every node within 2 s. (A lane campaign sends at the price it first stored for a country, ADR 40; the price
/// remembered here is what a batch adds to its reservation.) Opt-outs are not remembered: they hold at once (read per
/// batch, and again at each claim).
/// </summary>
internal sealed class SendChecksMemory(IMemoryCache cache)
{
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan Reference = TimeSpan.FromMinutes(1);

    /// <summary>The value under <paramref name="key"/> if read less than <paramref name="lifetime"/> ago on this node, else read now and remembered.</summary>
    public async Task<T> GetAsync<T>(object key, TimeSpan lifetime, Func<Task<T>> read)
        where T : notnull =>
        (await cache.GetOrCreateAsync((nameof(SendChecksMemory), key), entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = lifetime;
            return read();
        }))!;
}
