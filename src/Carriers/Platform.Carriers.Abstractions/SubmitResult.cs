namespace Platform.Carriers.Abstractions;

/// <summary>What became of one submitted message.</summary>
public enum SubmitOutcome
{
    /// <summary>The carrier took the message; a receipt may follow.</summary>
    Accepted = 0,
    /// <summary>The carrier refused the message for good (bad number, content...). Do not retry.</summary>
    Rejected = 1,
    /// <summary>The message never reached the carrier (not connected, throttled, cancelled or timed out before it was
    /// written). Retry later: sending it again cannot duplicate it.</summary>
    Failed = 2,
    /// <summary>The submit may have reached the carrier but its answer was lost (the connection dropped or the answer
    /// timed out after the submit was written). The host records the message as unknown and never sends it again:
    /// a retry could deliver it twice. Since SDK 1.1.</summary>
    Unknown = 3,
}

/// <summary>The result for one message of a <see cref="ICarrier.SendAsync"/> batch. Create with
/// <see cref="Accepted(string, IReadOnlyList{string}?)"/>, <see cref="Rejected"/>, <see cref="Failed"/> or
/// <see cref="Unknown"/>.</summary>
public sealed record SubmitResult
{
    private SubmitResult(SubmitOutcome outcome, string? carrierMessageId, IReadOnlyList<string> partMessageIds, string? reason)
    {
        Outcome = outcome;
        CarrierMessageId = carrierMessageId;
        PartMessageIds = partMessageIds;
        Reason = reason;
    }

    /// <summary>Accepted, Rejected, Failed or Unknown.</summary>
    public SubmitOutcome Outcome { get; }

    /// <summary>The carrier's id for the message (the first part's id when sent in several parts); set when accepted.</summary>
    public string? CarrierMessageId { get; }

    /// <summary>The carrier's ids of every part, in order (one element for a single-part message; empty unless accepted).
    /// Carriers that report receipts per part report them with these ids.</summary>
    public IReadOnlyList<string> PartMessageIds { get; }

    /// <summary>Why the message was rejected, failed or has an unknown outcome; null when accepted.</summary>
    public string? Reason { get; }

    /// <summary>The carrier took the message.</summary>
    public static SubmitResult Accepted(string carrierMessageId, IReadOnlyList<string>? partMessageIds = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(carrierMessageId);
        return new SubmitResult(SubmitOutcome.Accepted, carrierMessageId, partMessageIds ?? [carrierMessageId], null);
    }

    /// <summary>The carrier refused the message for good.</summary>
    public static SubmitResult Rejected(string reason) => new(SubmitOutcome.Rejected, null, [], reason);

    /// <summary>A transient failure before the message reached the carrier; the message may be retried later.</summary>
    public static SubmitResult Failed(string reason) => new(SubmitOutcome.Failed, null, [], reason);

    /// <summary>The submit may have reached the carrier and its answer was lost: the host records the message as
    /// unknown and never resends it. <paramref name="reason"/> says what was lost, e.g. "connection lost after
    /// submit_sm was written, before submit_sm_resp". Since SDK 1.1.</summary>
    public static SubmitResult Unknown(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new SubmitResult(SubmitOutcome.Unknown, null, [], reason);
    }
}
