namespace Platform.Carriers.Abstractions;

/// <summary>The alphabets a carrier can send.</summary>
[Flags]
public enum SmsAlphabets
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>GSM 03.38 default alphabet with its extension table.</summary>
    Gsm7 = 1,
    /// <summary>UCS-2 (UTF-16 big-endian).</summary>
    Ucs2 = 2,
}

/// <summary>What a carrier can do.</summary>
/// <param name="MaxMessageParts">The most concatenated parts one message may have; longer texts are rejected.</param>
/// <param name="SupportedAlphabets">The alphabets it can send.</param>
/// <param name="SupportsDeliveryReceipts">Whether it reports delivery receipts.</param>
/// <param name="SupportsInbound">Whether it reports inbound (mobile-originated) messages.</param>
public sealed record CarrierCapabilities(int MaxMessageParts, SmsAlphabets SupportedAlphabets, bool SupportsDeliveryReceipts, bool SupportsInbound);

/// <summary>A snapshot of a carrier's state.</summary>
/// <param name="Connected">Whether it can send right now (bound, for SMPP).</param>
/// <param name="InFlight">Submits sent and not yet answered.</param>
/// <param name="LastError">The most recent problem (connection lost, bind refused...), or null.</param>
/// <param name="LastErrorAt">When <paramref name="LastError"/> happened.</param>
public sealed record CarrierState(bool Connected, int InFlight, string? LastError, DateTimeOffset? LastErrorAt);
