using MediatR;

namespace Platform.Modules.Shared;

/// <summary>
/// An SMS that reached one of the platform's numbers through any carrier. Published by the host's carrier
/// runtime; OptIns handles keywords and STOP/START/HELP, other modules may listen too.
/// </summary>
public sealed record InboundSmsReceived(
    string From,
    string To,
    string Text,
    DateTimeOffset ReceivedAt,
    string CarrierInstance,
    string? CarrierMessageId) : IntegrationEvent;

/// <summary>A delivery receipt from a carrier, matched to our message by the carrier's message id.</summary>
public sealed record DeliveryReceiptReceived(
    string CarrierInstance,
    string CarrierMessageId,
    string Status,
    string? ErrorCode,
    DateTimeOffset At) : IntegrationEvent;

/// <summary>
/// Sends one transactional SMS now (an opt-in confirmation, a HELP answer) through the routed carrier.
/// Campaigns do not use this: they send in batches from their own jobs. Handled by the host.
/// </summary>
public sealed record SendSms(string From, string To, string Text) : IRequest<SendSmsResult>;

/// <summary>
/// What the carrier said: accepted with its message id, or not, with the reason. <paramref name="Retryable"/> tells a
/// transient failure that never reached the carrier (not connected, throttled: try again later) from a permanent
/// refusal. <paramref name="OutcomeUnknown"/>: the submit may have reached the carrier and its answer was lost (the
/// connection dropped after it was sent): treat it as possibly sent — record it as unknown, pay for it, and never
/// send it again, since a second send could deliver it twice (carrier SDK 1.1, ADR 20).
/// </summary>
public sealed record SendSmsResult(bool Accepted, string? CarrierInstance, string? CarrierMessageId, string? Error, bool Retryable = false, bool OutcomeUnknown = false);

/// <summary>One message of a batch: our id for it (to match the result and later its receipt), sender, destination, text.</summary>
public sealed record OutgoingSms(Guid MessageId, string From, string To, string Text);

/// <summary>
/// Sends a batch (a campaign's, an API request's) through the routes and limits, and answers one result per
/// message in the same order. A carrier's transient failure comes back as not accepted with the reason; the
/// caller decides whether to retry. Handled by the host.
/// </summary>
public sealed record SendSmsBatch(IReadOnlyList<OutgoingSms> Messages) : IRequest<IReadOnlyList<SendSmsResult>>;
