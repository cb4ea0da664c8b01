using Microsoft.Extensions.Configuration;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Sending;

/// <summary>
/// Where a handset's answer to a company's message arrives, and the opt-out route a message must carry. A message from
/// a platform number is answered to that number. A handset cannot answer an alphanumeric Sender ID, so such a message
/// names the platform's first number ("STOP to +…") — appended unless the body already names that number — and the
/// who-messaged-whom record files it under that number, where the STOP will arrive.
/// </summary>
internal sealed class OptOutRoute(IConfiguration configuration)
{
    /// <summary>The first platform number (the setting OptIns creates keywords on) is the opt-out route for alphanumeric senders.</summary>
    public string RouteNumber { get; } = PlatformNumbers.From(configuration)[0];

    /// <summary>The platform number a handset's answer to <paramref name="senderId"/> arrives at.</summary>
    public string ReplyNumber(string senderId) =>
        PhoneNumbers.TryNormalizeE164(senderId, out var number) ? number : RouteNumber;

    /// <summary>True when the sender cannot be answered (an alphanumeric Sender ID), so the text must name the route.</summary>
    public static bool NeedsRoute(string senderId) => !PhoneNumbers.TryNormalizeE164(senderId, out _);

    /// <summary>What is appended to a text from an alphanumeric sender that does not name the route already.</summary>
    public string Suffix => $" STOP to {RouteNumber}";

    /// <summary>The text as it is sent: with the opt-out route appended when the sender needs one and the text lacks it.</summary>
    public string Apply(string senderId, string text) =>
        NeedsRoute(senderId) && !NamesRoute(text) ? text + Suffix : text;

    /// <summary>True when the text names the route already (with or without its "+"), so <see cref="Apply"/> adds nothing.</summary>
    public bool NamesRoute(ReadOnlySpan<char> text) =>
        text.Contains(RouteNumber, StringComparison.Ordinal) || text.Contains(RouteNumber.AsSpan(1), StringComparison.Ordinal);
}
