namespace Platform.Carriers.Abstractions;

/// <summary>
/// One configured connection to a carrier (an SMSC, an HTTP API, the simulator...).
/// </summary>
/// <remarks>
/// Lifecycle: the host creates the instance with <see cref="ICarrierFactory.Create"/>, calls <see cref="StartAsync"/> once,
/// then <see cref="SendAsync"/> any number of times, possibly concurrently from several threads, and finally
/// <see cref="StopAsync"/> and <see cref="IAsyncDisposable.DisposeAsync"/>. <see cref="SendAsync"/> and
/// <see cref="State"/> must be thread-safe. Delivery receipts and inbound messages are reported through
/// <see cref="CarrierContext.Callbacks"/> at any time after <see cref="StartAsync"/>, also while a send is still running.
/// </remarks>
public interface ICarrier : IAsyncDisposable
{
    /// <summary>The kind of carrier, equal to <see cref="ICarrierFactory.Kind"/> of the factory that created it.</summary>
    string Kind { get; }

    /// <summary>What this carrier can do; constant for the life of the instance.</summary>
    CarrierCapabilities Capabilities { get; }

    /// <summary>A snapshot of the connection state, cheap enough to poll.</summary>
    CarrierState State { get; }

    /// <summary>
    /// Starts the carrier: connects (or starts connecting in the background) and begins reporting receipts and
    /// inbound messages. It should not fail because the peer is unreachable: a carrier reconnects by itself and
    /// reports the problem in <see cref="State"/>.
    /// </summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Submits a batch of messages and returns exactly one <see cref="SubmitResult"/> per message, in the same order.
    /// </summary>
    /// <remarks>
    /// A problem with one message never throws: it becomes a <see cref="SubmitOutcome.Rejected"/> (permanent) or
    /// <see cref="SubmitOutcome.Failed"/> (transient, retry later) result. When <paramref name="cancellationToken"/> is
    /// cancelled the call returns promptly; messages not submitted yet get a <see cref="SubmitOutcome.Failed"/> result
    /// whose reason starts with "cancelled", messages already accepted keep their <see cref="SubmitOutcome.Accepted"/> result.
    /// A delivery receipt for an accepted message may reach <see cref="ICarrierCallbacks.OnDeliveryReceiptAsync"/>
    /// before this call returns: the host matches receipts by carrier message id.
    /// </remarks>
    Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken);

    /// <summary>
    /// Stops gracefully: stops taking new messages, waits (bounded by <paramref name="cancellationToken"/>) for
    /// outstanding submits and unbinds or disconnects. Idempotent.
    /// </summary>
    Task StopAsync(CancellationToken cancellationToken);
}
