using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime.Limits;

namespace Platform.Carriers.Runtime;

/// <summary>
/// One configured carrier instance as the router and the admin page see it: the carrier wrapped in its limits
/// (this node's share of the cluster-wide rate, the in-flight limit) and counters. An instance that could not start
/// stays here with its error, so the admin page can say why.
/// </summary>
internal sealed class RunningCarrier(CarrierInstanceOptions options, LimitedCarrier? carrier, string? configurationError, TimeProvider clock) : ICarrier
{
    private readonly RateWindow rate = new(clock);
    private long sent;
    private long failed;
    private long unknown;
    private string? lastError = configurationError;

    public string Name => options.Name;

    public string Kind => options.Kind;

    public CarrierInstanceOptions Options => options;

    public ICarrier? Carrier => carrier;

    /// <summary>This node's share of the instance's cluster-wide rate, in messages a second (0 = no limit).</summary>
    public double RatePerSecond => carrier?.RatePerSecond ?? 0;

    public long Sent => Interlocked.Read(ref sent);

    /// <summary>Messages not accepted: refused, or failed before they reached the carrier.</summary>
    public long Failed => Interlocked.Read(ref failed);

    /// <summary>Messages whose submit may have reached the carrier with the answer lost (recorded unknown, never resent).</summary>
    public long Unknown => Interlocked.Read(ref unknown);

    public double CurrentRate => rate.PerSecond;

    public CarrierState State => carrier?.State ?? new CarrierState(false, 0, lastError, null);

    public CarrierCapabilities Capabilities => carrier?.Capabilities ?? new CarrierCapabilities(0, SmsAlphabets.None, false, false);

    string ICarrier.Kind => options.Kind;

    public string? LastError => carrier?.State.LastError ?? lastError;

    /// <summary>Takes this node's share of the cluster-wide rate (see <see cref="LimitedCarrier.ShareAmong"/>).</summary>
    public void ShareRateAmong(int liveNodes) => carrier?.ShareAmong(liveNodes);

    /// <summary>Submits a batch within this instance's throughput and in-flight limits, and counts the outcome.</summary>
    public async Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken)
    {
        if (carrier is null)
        {
            return batch.Select(_ => SubmitResult.Failed($"carrier {Name} is not running: {lastError}")).ToList();
        }

        try
        {
            var results = await carrier.SendAsync(batch, cancellationToken);
            var accepted = results.Count(r => r.Outcome == SubmitOutcome.Accepted);
            var lost = results.Count(r => r.Outcome == SubmitOutcome.Unknown);
            Interlocked.Add(ref sent, accepted);
            Interlocked.Add(ref unknown, lost);
            Interlocked.Add(ref failed, results.Count - accepted - lost);
            rate.Add(accepted);
            return results;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A carrier must not throw for one message; if it throws at all, treat the batch as transiently failed.
            lastError = exception.Message;
            Interlocked.Add(ref failed, batch.Count);
            return batch.Select(_ => SubmitResult.Failed(exception.Message)).ToList();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => carrier?.StartAsync(cancellationToken) ?? Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => carrier?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => carrier?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Messages a second over the last five seconds.</summary>
    private sealed class RateWindow(TimeProvider clock)
    {
        private readonly long[] buckets = new long[5];
        private readonly long[] seconds = new long[5];

        public double PerSecond
        {
            get
            {
                var now = clock.GetUtcNow().ToUnixTimeSeconds();
                long total = 0;
                lock (buckets)
                {
                    for (var i = 0; i < buckets.Length; i++)
                    {
                        if (now - seconds[i] is >= 1 and <= 5)
                        {
                            total += buckets[i];
                        }
                    }
                }

                return total / 5.0;
            }
        }

        public void Add(long count)
        {
            var now = clock.GetUtcNow().ToUnixTimeSeconds();
            var slot = (int)(now % buckets.Length);
            lock (buckets)
            {
                if (seconds[slot] != now)
                {
                    seconds[slot] = now;
                    buckets[slot] = 0;
                }

                buckets[slot] += count;
            }
        }
    }
}
