using System.Threading.RateLimiting;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Runtime.Limits;

/// <summary>An instance's limits: messages a second (a token bucket allowing bursts) and messages in flight at once.</summary>
/// <param name="MessagesPerSecond">Sustained rate; null for no rate limit.</param>
/// <param name="Burst">How many messages may go at once after a quiet spell (the bucket's size); defaults to one second's worth.</param>
/// <param name="MaxInFlight">Messages handed to the carrier and not yet answered, across all concurrent sends; null for no limit.</param>
internal sealed record CarrierLimits(int? MessagesPerSecond, int? Burst, int? MaxInFlight);

/// <summary>
/// Wraps a carrier to enforce <see cref="CarrierLimits"/> per instance, on top of whatever the carrier's protocol
/// limits (an SMPP window): contracts often cap the rate below what the connection could do. Batches are cut into
/// chunks no larger than the bucket and the in-flight limit, each chunk waiting for its permits first.
/// </summary>
internal sealed class LimitedCarrier : ICarrier
{
    private readonly ICarrier _inner;
    private readonly TokenBucketRateLimiter? _rate;
    private readonly ConcurrencyLimiter? _inFlight;
    private readonly int _chunk;

    public LimitedCarrier(ICarrier inner, CarrierLimits limits)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(limits);
        _inner = inner;
        _chunk = int.MaxValue;
        if (limits.MessagesPerSecond is { } rate)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1);
            var burst = Math.Max(1, limits.Burst ?? rate);
            // Replenishing every 1/20 s keeps the flow smooth instead of a burst at the top of each second.
            const int slicesPerSecond = 20;
            _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = Math.Max(1, rate / slicesPerSecond),
                ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, rate / slicesPerSecond) / (double)rate),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
            _chunk = Math.Min(_chunk, burst);
        }
        if (limits.MaxInFlight is { } maxInFlight)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
            _inFlight = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = maxInFlight,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
            _chunk = Math.Min(_chunk, maxInFlight);
        }
    }

    public string Kind => _inner.Kind;

    public CarrierCapabilities Capabilities => _inner.Capabilities;

    public CarrierState State => _inner.State;

    public Task StartAsync(CancellationToken cancellationToken) => _inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _inner.StopAsync(cancellationToken);

    public async Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = new SubmitResult[batch.Count];
        for (var start = 0; start < batch.Count;)
        {
            var count = Math.Min(_chunk, batch.Count - start);
            RateLimitLease? rateLease = null;
            RateLimitLease? inFlightLease = null;
            try
            {
                if (_rate is not null)
                {
                    rateLease = await _rate.AcquireAsync(count, cancellationToken).ConfigureAwait(false);
                }
                if (_inFlight is not null)
                {
                    inFlightLease = await _inFlight.AcquireAsync(count, cancellationToken).ConfigureAwait(false);
                }
                var chunkResults = rateLease is { IsAcquired: false } || inFlightLease is { IsAcquired: false }
                    ? Enumerable.Repeat(SubmitResult.Failed("the instance's rate limit queue is full"), count).ToList()
                    : await _inner.SendAsync(Slice(batch, start, count), cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < count; i++)
                {
                    results[start + i] = chunkResults[i];
                }
            }
            catch (OperationCanceledException)
            {
                for (var i = start; i < batch.Count; i++)
                {
                    results[i] = SubmitResult.Failed("cancelled before submit (waiting for the instance's rate limit)");
                }
                return results;
            }
            finally
            {
                inFlightLease?.Dispose();
                rateLease?.Dispose();
            }
            start += count;
        }
        return results;
    }

    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        if (_rate is not null)
        {
            await _rate.DisposeAsync().ConfigureAwait(false);
        }
        if (_inFlight is not null)
        {
            await _inFlight.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static IReadOnlyList<OutboundMessage> Slice(IReadOnlyList<OutboundMessage> batch, int start, int count) =>
        start == 0 && count == batch.Count ? batch : batch.Skip(start).Take(count).ToList();
}
