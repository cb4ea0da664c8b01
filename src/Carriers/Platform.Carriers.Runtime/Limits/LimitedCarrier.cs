using System.Threading.RateLimiting;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Runtime.Limits;

/// <summary>An instance's limits as configured (0 or less = no limit).</summary>
/// <param name="MessagesPerSecond">Messages a second for the whole cluster; each node takes its share (<see cref="LimitedCarrier.ShareAmong"/>).</param>
/// <param name="MaxInFlight">Messages handed to the carrier and not yet answered on this node, across all concurrent sends.</param>
internal sealed record CarrierLimits(int MessagesPerSecond, int MaxInFlight);

/// <summary>
/// Wraps a carrier to enforce <see cref="CarrierLimits"/> per instance, on top of whatever the carrier's protocol
/// limits (an SMPP window): contracts often cap the rate below what the connection could do. The rate is a
/// <see cref="TokenBucket"/> whose rate is this node's share of the cluster-wide limit, so it changes when nodes come
/// and go; a batch waits for its tokens before anything of it is submitted. Under an in-flight limit the batch is then
/// cut into chunks no larger than the limit, each waiting for its permits.
/// </summary>
internal sealed class LimitedCarrier : ICarrier
{
    private readonly ICarrier _inner;
    private readonly TokenBucket _rate;
    private readonly ConcurrencyLimiter? _inFlight;
    private readonly int _chunk = int.MaxValue;

    public LimitedCarrier(ICarrier inner, CarrierLimits limits, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(limits);
        _inner = inner;
        Limits = limits;
        // Until the first count of the cluster's nodes this node takes the whole limit, as a single node would.
        _rate = new TokenBucket(clock) { RatePerSecond = Math.Max(0, limits.MessagesPerSecond) };
        if (limits.MaxInFlight > 0)
        {
            _inFlight = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = limits.MaxInFlight,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
            _chunk = limits.MaxInFlight;
        }
    }

    public CarrierLimits Limits { get; }

    /// <summary>This node's rate now, in messages a second (0 = no limit).</summary>
    public double RatePerSecond => _rate.RatePerSecond;

    public string Kind => _inner.Kind;

    public CarrierCapabilities Capabilities => _inner.Capabilities;

    public CarrierState State => _inner.State;

    /// <summary>Takes this node's share of the cluster-wide rate: the limit divided by the live nodes.</summary>
    public void ShareAmong(int liveNodes) =>
        _rate.RatePerSecond = Limits.MessagesPerSecond <= 0 ? 0 : (double)Limits.MessagesPerSecond / Math.Max(1, liveNodes);

    public Task StartAsync(CancellationToken cancellationToken) => _inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _inner.StopAsync(cancellationToken);

    /// <summary>
    /// Cancelled while waiting for the rate, nothing was submitted and the cancellation propagates. Cancelled while
    /// waiting for in-flight permits, the chunks already submitted keep their results and the rest fail transiently,
    /// so no submitted message is reported as unsent.
    /// </summary>
    public async Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await _rate.AcquireAsync(batch.Count, cancellationToken).ConfigureAwait(false);
        if (_inFlight is null)
        {
            return await _inner.SendAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        var results = new SubmitResult[batch.Count];
        for (var start = 0; start < batch.Count;)
        {
            var count = Math.Min(_chunk, batch.Count - start);
            RateLimitLease? inFlightLease = null;
            try
            {
                inFlightLease = await _inFlight.AcquireAsync(count, cancellationToken).ConfigureAwait(false);
                var chunkResults = inFlightLease.IsAcquired
                    ? await _inner.SendAsync(Slice(batch, start, count), cancellationToken).ConfigureAwait(false)
                    : Enumerable.Repeat(SubmitResult.Failed("the instance's in-flight queue is full"), count).ToList();
                for (var i = 0; i < count; i++)
                {
                    results[start + i] = chunkResults[i];
                }
            }
            catch (OperationCanceledException)
            {
                for (var i = start; i < batch.Count; i++)
                {
                    results[i] = SubmitResult.Failed("cancelled before submit (waiting for the instance's in-flight limit)");
                }

                return results;
            }
            finally
            {
                inFlightLease?.Dispose();
            }

            start += count;
        }

        return results;
    }

    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        if (_inFlight is not null)
        {
            await _inFlight.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static IReadOnlyList<OutboundMessage> Slice(IReadOnlyList<OutboundMessage> batch, int start, int count) =>
        start == 0 && count == batch.Count ? batch : batch.Skip(start).Take(count).ToList();
}
