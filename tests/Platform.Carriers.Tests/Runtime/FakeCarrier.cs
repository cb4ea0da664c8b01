using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Tests.Runtime;

/// <summary>A scriptable carrier for routing and limit tests.</summary>
internal sealed class FakeCarrier(string name, Func<OutboundMessage, SubmitResult>? outcome = null, TimeSpan? latency = null) : ICarrier
{
    private int _inFlight;
    private int _maxInFlight;

    public string Name { get; } = name;
    public bool Connected { get; set; } = true;
    public List<OutboundMessage> Sent { get; } = [];
    public int MaxInFlightSeen => Volatile.Read(ref _maxInFlight);

    public string Kind => "fake";
    public CarrierCapabilities Capabilities { get; } = new(1, SmsAlphabets.Gsm7, false, false);
    public CarrierState State => new(Connected, _inFlight, null, null);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken)
    {
        var now = Interlocked.Add(ref _inFlight, batch.Count);
        int seen;
        while ((seen = Volatile.Read(ref _maxInFlight)) < now && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }
        try
        {
            if (latency is { } delay)
            {
                await Task.Delay(delay, cancellationToken);
            }
            lock (Sent)
            {
                Sent.AddRange(batch);
            }
            return batch.Select(m => outcome?.Invoke(m) ?? SubmitResult.Accepted($"{Name}-{m.MessageId:N}")).ToList();
        }
        finally
        {
            Interlocked.Add(ref _inFlight, -batch.Count);
        }
    }
}
