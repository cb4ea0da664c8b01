namespace Platform.Carriers.Abstractions;

/// <summary>
/// How a carrier reports what its peer sends back. Given by the host in <see cref="CarrierContext.Callbacks"/>.
/// </summary>
/// <remarks>
/// A carrier should acknowledge a receipt or inbound message to its peer only after the callback's task has
/// completed successfully, so the peer re-sends it if the host could not take it. Calls can arrive concurrently
/// with <see cref="ICarrier.SendAsync"/>; a carrier must not call back while holding a lock that a send needs.
/// </remarks>
public interface ICarrierCallbacks
{
    /// <summary>A delivery receipt for a message accepted earlier (matched by <see cref="DeliveryReceipt.CarrierMessageId"/>).</summary>
    Task OnDeliveryReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken);

    /// <summary>A message a handset sent to one of our numbers.</summary>
    Task OnInboundMessageAsync(InboundMessage message, CancellationToken cancellationToken);
}
