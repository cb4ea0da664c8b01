using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Modules.Campaigns.Domain;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>
/// The body of <c>POST /api/v1/messages</c>: one message (<c>to</c>, <c>text</c>) or up to 1,000 in <c>messages</c>.
/// <c>from</c> and <c>marketing</c> apply to all of them.
/// </summary>
internal sealed class SendMessagesBody
{
    /// <summary>An approved Sender ID of the company (or the platform's default, PLATFORM).</summary>
    public string? From { get; init; }

    /// <summary>The recipient in E.164, for one message.</summary>
    public string? To { get; init; }

    /// <summary>The text, for one message (1 to 1,600 characters).</summary>
    public string? Text { get; init; }

    /// <summary>Marketing messages are held outside 08:00–21:00 in the recipient's time zone; others are sent at once.</summary>
    public bool? Marketing { get; init; }

    /// <summary>Up to 1,000 messages sent together instead of to/text.</summary>
    public List<SendMessageItem>? Messages { get; init; }
}

internal sealed class SendMessageItem
{
    public string? To { get; init; }

    public string? Text { get; init; }

    /// <summary>Optional; when given it must equal the request's <c>from</c>.</summary>
    public string? From { get; init; }
}

internal sealed record AcceptedMessage(Guid Id, string To, string Status, int Segments, string? Error);

internal sealed record SendMessagesResponse(Guid RequestId, IReadOnlyList<AcceptedMessage> Messages);

internal sealed record MessageStatusResponse(
    Guid Id, Guid RequestId, string From, string To, string Status, int Segments, DateTimeOffset CreatedAt,
    DateTimeOffset? SubmittedAt, DateTimeOffset? FinishedAt, string? Error);

internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        MaxDepth = 8,
    };

    /// <summary>The state numbers of <c>campaigns.messages</c> as the API names them.</summary>
    public static string StatusName(short state) => (MessageState)state switch
    {
        MessageState.Queued => "queued",
        MessageState.Submitting => "sending",
        MessageState.Submitted => "submitted",
        MessageState.Delivered => "delivered",
        MessageState.Failed => "failed",
        MessageState.Expired => "expired",
        MessageState.Suppressed => "suppressed",
        // The carrier may have it (its answer was lost, or the sending node died): final, never resent.
        MessageState.Unknown => "unknown",
        _ => "unknown",
    };
}
