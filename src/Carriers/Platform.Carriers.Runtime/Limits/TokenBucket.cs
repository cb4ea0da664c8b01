namespace Platform.Carriers.Runtime.Limits;

/// <summary>
/// A token bucket: <c>rate</c> tokens a second, bursts up to one second's worth. Waiting callers are
/// served in turn. A rate of 0 means unlimited. The rate can change at run time (the node's share of the
/// cluster-wide limit changes when nodes come and go).
/// </summary>
internal sealed class TokenBucket(TimeProvider clock)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private double tokens;
    private long lastTicks = clock.GetTimestamp();

    public double RatePerSecond { get; set; }

    public async Task AcquireAsync(int count, CancellationToken cancellationToken)
    {
        if (RatePerSecond <= 0 || count <= 0)
        {
            return;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                var now = clock.GetTimestamp();
                tokens = Math.Min(Math.Max(RatePerSecond, count), tokens + (clock.GetElapsedTime(lastTicks, now).TotalSeconds * RatePerSecond));
                lastTicks = now;
                if (tokens >= count)
                {
                    tokens -= count;
                    return;
                }

                var wait = TimeSpan.FromSeconds((count - tokens) / RatePerSecond);
                await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, clock, cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
