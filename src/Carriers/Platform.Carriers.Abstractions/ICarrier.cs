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
    /// <para>A problem with one message never throws: it becomes a <see cref="SubmitOutcome.Rejected"/> (permanent),
    /// <see cref="SubmitOutcome.Failed"/> (transient, retry later) or <see cref="SubmitOutcome.Unknown"/> result.</para>
    /// <para>Failed and Unknown are decided by one question: was the submit written to the wire (the socket, the HTTP
    /// request body)? A submit that was never written is <see cref="SubmitOutcome.Failed"/>: the host may send it again
    /// and nobody gets it twice. A submit that was written and whose answer never came — the connection dropped, the
    /// answer timed out, the call was cancelled while waiting, the answer could not be read — is
    /// <see cref="SubmitOutcome.Unknown"/>: the carrier may have taken it, so the host records it as unknown, bills it
    /// and never resends it (a duplicate SMS costs the sender and annoys the person; an unknown is visible and counted).
    /// A message sent in several parts is Unknown as soon as any part may have reached the carrier. When in doubt, Unknown.</para>
    /// <para>When <paramref name="cancellationToken"/> is cancelled the call returns promptly: messages not written yet get
    /// a <see cref="SubmitOutcome.Failed"/> result whose reason starts with "cancelled", messages already written and not
    /// answered get <see cref="SubmitOutcome.Unknown"/>, messages already accepted keep their
    /// <see cref="SubmitOutcome.Accepted"/> result.</para>
    /// <para>A delivery receipt for an accepted message may reach <see cref="ICarrierCallbacks.OnDeliveryReceiptAsync"/>
    /// before this call returns: the host matches receipts by carrier message id.</para>
    /// <para>Unknown is SDK 1.1. A plugin built against SDK 1.0 never returns it, and the host treats its Failed results
    /// as before (resent); such a plugin should move to 1.1 so a lost answer is no longer resent.</para>
    /// </remarks>
    Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken);

    /// <summary>
    /// Stops gracefully: stops taking new messages, waits (bounded by <paramref name="cancellationToken"/>) for
    /// outstanding submits and unbinds or disconnects. Idempotent.
    /// </summary>
    Task StopAsync(CancellationToken cancellationToken);
}
