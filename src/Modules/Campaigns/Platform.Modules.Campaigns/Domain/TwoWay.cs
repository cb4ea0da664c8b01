using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Domain;

/// <summary>
/// That a company messaged a handset from a platform number, and when last (one row per company, number and handset).
/// The attribution for STOP and replies: a bare STOP stops every company here within the look-back, a reply goes to
/// the one that messaged last.
/// </summary>
internal sealed class RecipientContact
{
    public required string PlatformNumber { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Knowing which companies messaged a number, so its STOP stops all of them and its replies reach the right one", "Until the look-back (12 months) has passed since the last message",
        SeenBy = "No one: it is only looked up when the number texts the platform")]
    public required string Phone { get; set; }

    public Guid CompanyId { get; set; }

    public DateTimeOffset LastAt { get; set; }

    public Guid? CampaignId { get; set; }
}

/// <summary>A number no company on the platform may message (the platform admin's block list).</summary>
internal sealed class BlockedNumber
{
    [PersonalData(PersonalDataCategory.Contact, "Keeping every company from messaging a number the platform blocked", "Until an admin lifts the block",
        SeenBy = "Platform administrators")]
    public required string Phone { get; set; }

    public required string Reason { get; set; }

    public Guid? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A company's conversation with one handset on one platform number (the inbox, "active chat").</summary>
internal sealed class Conversation
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public required string PlatformNumber { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Threading the replies a person sends to a company's messages", "With the conversation: deleted after the inbox retention (12 months) without new messages",
        SeenBy = "The company you replied to, unless it knows you only by your user code (then it sees the code, never the number)")]
    public required string Phone { get; set; }

    /// <summary>Shown instead of the number when the company knows the person only as a keyword subscriber.</summary>
    public string? UserCode { get; set; }

    public DateTimeOffset LastAt { get; set; }

    [PersonalData(PersonalDataCategory.Communication, "Showing the latest message in the company's inbox list", "With the conversation: inbox retention (12 months)",
        SeenBy = "The company you replied to")]
    public required string LastPreview { get; set; }

    public int Unread { get; set; }

    /// <summary>Messages in either direction, events not counted: the inbox lists threads that have any.</summary>
    public int Messages { get; set; }

    public DateTimeOffset? DoneAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One entry of a conversation: a message from the handset, a reply from the company, or an event (keyword, STOP, START).</summary>
internal sealed class ConversationMessage
{
    public long Id { get; set; }

    public Guid ConversationId { get; set; }

    public Guid CompanyId { get; set; }

    public required string Direction { get; set; }

    public string? Event { get; set; }

    [PersonalData(PersonalDataCategory.Communication, "Showing the company what a person wrote back and what it answered (two-way SMS)", "Inbox retention (12 months), then deleted",
        SeenBy = "The company you replied to")]
    public required string Body { get; set; }

    public Guid? CampaignId { get; set; }

    public string? CarrierInstance { get; set; }

    public string? CarrierMessageId { get; set; }

    public Guid? SentBy { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset At { get; set; }
}

internal static class ConversationDirections
{
    public const string Inbound = "in";
    public const string Outbound = "out";
    public const string Event = "event";
}
