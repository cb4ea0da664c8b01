namespace Platform.Carriers.Abstractions;

/// <summary>A message to submit to a carrier.</summary>
/// <param name="MessageId">The platform's id of the message (for logs; carriers do not need to send it).</param>
/// <param name="From">The sender: a number in international format without '+', a short code, or an alphanumeric sender id.</param>
/// <param name="To">The destination number in international format without '+'.</param>
/// <param name="Text">The text; the carrier chooses GSM-7 or UCS-2 (see <see cref="SmsEncoding"/>) and splits it into parts when needed.</param>
/// <param name="RequestReceipt">Whether to ask the carrier for a delivery receipt.</param>
public sealed record OutboundMessage(Guid MessageId, string From, string To, string Text, bool RequestReceipt);

/// <summary>A message a handset sent, reported through <see cref="ICarrierCallbacks.OnInboundMessageAsync"/>.</summary>
/// <param name="From">The handset's number.</param>
/// <param name="To">Our number (or short code) it was sent to.</param>
/// <param name="Text">The decoded text.</param>
/// <param name="ReceivedAt">When the carrier received it.</param>
/// <param name="CarrierMessageId">The carrier's id for it, when it gives one.</param>
public sealed record InboundMessage(string From, string To, string Text, DateTimeOffset ReceivedAt, string? CarrierMessageId);

/// <summary>The final (or latest) status of a submitted message, reported by the carrier.</summary>
public enum DeliveryStatus
{
    /// <summary>The carrier did not say or said something we do not understand.</summary>
    Unknown = 0,
    /// <summary>Delivered to the handset.</summary>
    Delivered = 1,
    /// <summary>Could not be delivered.</summary>
    Failed = 2,
    /// <summary>Validity period ran out before delivery.</summary>
    Expired = 3,
    /// <summary>Rejected by the network after it was accepted.</summary>
    Rejected = 4,
}

/// <summary>A delivery receipt, reported through <see cref="ICarrierCallbacks.OnDeliveryReceiptAsync"/>.</summary>
/// <param name="CarrierMessageId">The carrier's message id, as returned in <see cref="SubmitResult.CarrierMessageId"/>
/// (or one of <see cref="SubmitResult.PartMessageIds"/> for a message sent in several parts).</param>
/// <param name="Status">What happened to the message.</param>
/// <param name="ErrorCode">The carrier's error code, if any (for example "000" or a network error code).</param>
/// <param name="Timestamp">When the status was reached, as reported by the carrier (or when the receipt arrived).</param>
public sealed record DeliveryReceipt(string CarrierMessageId, DeliveryStatus Status, string? ErrorCode, DateTimeOffset Timestamp);
