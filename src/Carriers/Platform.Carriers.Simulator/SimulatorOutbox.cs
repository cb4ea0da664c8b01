using System.Collections.Concurrent;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Simulator;

/// <summary>A message as a simulated handset received it.</summary>
internal sealed record HandsetMessage(string From, string To, string Text, DateTimeOffset At, string CarrierMessageId);

/// <summary>What each simulated handset has received (for <c>GET /simulator/outbox?to=</c>).</summary>
internal interface ISimulatorOutbox
{
    /// <summary>The messages number <paramref name="to"/> received, oldest first (at most the configured capacity, newest kept).</summary>
    IReadOnlyList<HandsetMessage> ReceivedBy(string to);

    /// <summary>Every number that received something.</summary>
    IReadOnlyCollection<string> Handsets { get; }

    /// <summary>Forgets everything received.</summary>
    void Clear();
}

/// <summary>Lets a simulated handset send a message (for <c>POST /simulator/inbound</c>).</summary>
internal interface ISimulatorHandsets
{
    /// <summary>
    /// Delivers an inbound message from handset <paramref name="from"/> to our number <paramref name="to"/> through a running
    /// simulator instance: the one named <paramref name="instanceName"/>, or the first started one when null.
    /// Returns false when no such instance is running.
    /// </summary>
    Task<bool> InjectInboundAsync(string from, string to, string text, string? instanceName = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// The simulated mobile network that every simulator instance of one factory shares: the handsets' outboxes and the
/// running instances inbound messages can go through. Register one as a singleton and hand it to the factory.
/// </summary>
internal sealed class SimulatorNetwork : ISimulatorOutbox, ISimulatorHandsets
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<HandsetMessage>> _outboxes = new(StringComparer.Ordinal);
    private readonly List<SimulatorCarrier> _running = [];
    private readonly Lock _runningLock = new();

    public IReadOnlyCollection<string> Handsets => _outboxes.Keys.ToArray();

    public IReadOnlyList<HandsetMessage> ReceivedBy(string to) =>
        _outboxes.TryGetValue(Normalize(to), out var queue) ? queue.ToArray() : [];

    public void Clear() => _outboxes.Clear();

    public async Task<bool> InjectInboundAsync(string from, string to, string text, string? instanceName = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(from);
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        ArgumentNullException.ThrowIfNull(text);
        SimulatorCarrier? target;
        lock (_runningLock)
        {
            target = instanceName is null
                ? _running.FirstOrDefault()
                : _running.FirstOrDefault(c => string.Equals(c.InstanceName, instanceName, StringComparison.OrdinalIgnoreCase));
        }
        if (target is null)
        {
            return false;
        }
        await target.DeliverInboundAsync(new InboundMessage(Normalize(from), Normalize(to), text, DateTimeOffset.UtcNow, "sim-mo-" + Guid.NewGuid().ToString("N")), cancellationToken).ConfigureAwait(false);
        return true;
    }

    internal void Record(HandsetMessage message, int capacity)
    {
        var queue = _outboxes.GetOrAdd(Normalize(message.To), static _ => new ConcurrentQueue<HandsetMessage>());
        queue.Enqueue(message);
        // Bounded so a long load test cannot grow memory without limit; the oldest messages go first.
        while (queue.Count > capacity && queue.TryDequeue(out _))
        {
        }
    }

    internal void Register(SimulatorCarrier carrier)
    {
        lock (_runningLock)
        {
            _running.Add(carrier);
        }
    }

    internal void Unregister(SimulatorCarrier carrier)
    {
        lock (_runningLock)
        {
            _running.Remove(carrier);
        }
    }

    // "+4670..." and "4670..." are the same handset.
    private static string Normalize(string number) => number.Trim().TrimStart('+');
}
