using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Runtime.Routing;

/// <summary>Send numbers starting with <paramref name="Prefix"/> ("" matches all) through <paramref name="InstanceName"/>;
/// among routes with the same prefix, a lower <paramref name="Priority"/> is tried first.</summary>
internal sealed record CarrierRoute(string Prefix, string InstanceName, int Priority);

/// <summary>
/// Chooses carrier instances for a destination: the routes of the longest matching prefix, by priority, then those of
/// shorter prefixes (so a catch-all "" route is the last resort). <see cref="SendAsync"/> uses the first connected
/// candidate and fails over to the next one for messages that failed transiently.
/// </summary>
internal sealed class PrefixRouter
{
    private readonly CarrierRoute[] _routes;
    private readonly IReadOnlyDictionary<string, ICarrier> _carriers;

    public PrefixRouter(IEnumerable<CarrierRoute> routes, IReadOnlyDictionary<string, ICarrier> carriers)
    {
        _carriers = new Dictionary<string, ICarrier>(carriers, StringComparer.OrdinalIgnoreCase);
        _routes = routes
            .Select(r => r with { Prefix = r.Prefix.Trim().TrimStart('+') })
            .OrderByDescending(r => r.Prefix.Length)
            .ThenBy(r => r.Priority)
            .ToArray();
        var unknown = _routes.Where(r => !_carriers.ContainsKey(r.InstanceName)).Select(r => r.InstanceName).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Routes name carrier instances that do not exist: {string.Join(", ", unknown)}.", nameof(routes));
        }
    }

    /// <summary>The instances to try for <paramref name="destination"/>, in order, each once.</summary>
    public IReadOnlyList<string> Candidates(string destination)
    {
        var number = destination.Trim().TrimStart('+');
        return _routes.Where(r => number.StartsWith(r.Prefix, StringComparison.Ordinal))
            .Select(r => r.InstanceName)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>
    /// Sends each message through its first connected candidate; messages that come back <see cref="SubmitOutcome.Failed"/>
    /// go to the next candidate. Rejected is final, and so is <see cref="SubmitOutcome.Unknown"/>: the first carrier may
    /// have the message, so sending it through another could deliver it twice. No route gives Rejected; no candidate
    /// left gives the last failure.
    /// Results keep the batch's order.
    /// </summary>
    public async Task<IReadOnlyList<(SubmitResult Result, string? InstanceName)>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken)
    {
        var results = new (SubmitResult Result, string? InstanceName)[batch.Count];
        var candidates = batch.Select(m => Candidates(m.To)).ToArray();
        var attempt = new int[batch.Count];
        var open = new List<int>();
        for (var i = 0; i < batch.Count; i++)
        {
            if (candidates[i].Count == 0)
            {
                results[i] = (SubmitResult.Rejected($"no carrier route for destination {batch[i].To}"), null);
            }
            else
            {
                open.Add(i);
            }
        }
        while (open.Count > 0)
        {
            // Messages whose current candidate is disconnected skip to the next without a try.
            foreach (var i in open)
            {
                while (attempt[i] < candidates[i].Count - 1 && !_carriers[candidates[i][attempt[i]]].State.Connected)
                {
                    attempt[i]++;
                }
            }
            var next = new List<int>();
            foreach (var group in open.GroupBy(i => candidates[i][attempt[i]], StringComparer.OrdinalIgnoreCase))
            {
                var indexes = group.ToList();
                var sent = await _carriers[group.Key].SendAsync(indexes.Select(i => batch[i]).ToList(), cancellationToken).ConfigureAwait(false);
                for (var k = 0; k < indexes.Count; k++)
                {
                    var i = indexes[k];
                    results[i] = (sent[k], group.Key);
                    // Only Failed (never reached the carrier) moves on; Unknown stays with the carrier that may have it.
                    if (sent[k].Outcome == SubmitOutcome.Failed && attempt[i] + 1 < candidates[i].Count && !cancellationToken.IsCancellationRequested)
                    {
                        attempt[i]++;
                        next.Add(i);
                    }
                }
            }
            open = next;
        }
        return results;
    }
}
