using System.Collections.Concurrent;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Tests.Conformance;

/// <summary>Host callbacks that remember every receipt and inbound message, and let a test wait for them.</summary>
public sealed class RecordingCallbacks : ICarrierCallbacks
{
    private readonly ConcurrentQueue<DeliveryReceipt> _receipts = new();
    private readonly ConcurrentQueue<InboundMessage> _inbound = new();

    public IReadOnlyCollection<DeliveryReceipt> Receipts => _receipts;

    public IReadOnlyCollection<InboundMessage> Inbound => _inbound;

    /// <summary>When set, the next callbacks throw (a host that cannot take them).</summary>
    public int FailNext;

    public Task OnDeliveryReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref FailNext) >= 0)
        {
            throw new InvalidOperationException("host is down (test)");
        }
        _receipts.Enqueue(receipt);
        return Task.CompletedTask;
    }

    public Task OnInboundMessageAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        _inbound.Enqueue(message);
        return Task.CompletedTask;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, or fails the test after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            }
            await Task.Delay(10);
        }
    }
}
