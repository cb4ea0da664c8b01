namespace Platform.Modules.Campaigns.Domain;

/// <summary>
/// The last number given in a company's inbound feed (Migrations/0009_inbound_webhooks.sql). Written only by
/// <c>campaigns.number_inbound_items</c> (0013); its row lock is what makes a company's numbers commit in order.
/// </summary>
internal sealed class InboundSequence
{
    public Guid CompanyId { get; set; }

    public long LastSeq { get; set; }
}

/// <summary>
/// One entry of a company's inbound feed: a message from a handset, or a STOP, START or keyword event, numbered in the
/// order it was written. The number is the item id the webhook and <c>GET /api/v1/inbound</c> give.
/// No personal data: the text and number are read through the conversation entry.
/// </summary>
internal sealed class InboundFeedItem
{
    public Guid CompanyId { get; set; }

    public long Seq { get; set; }

    public long MessageId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// An entry of a company's inbound feed written and not numbered yet (Migrations/0013_inbound_numbering_off_the_write.sql):
/// ConversationStore queues it with the entry, the feed's readers number it. No personal data.
/// </summary>
internal sealed class InboundQueuedItem
{
    public long MessageId { get; set; }

    public Guid CompanyId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>How far a company's webhook is in its inbound feed, and when it is tried next.</summary>
internal sealed class InboundWebhookCursor
{
    public Guid CompanyId { get; set; }

    /// <summary>The webhook this cursor belongs to: a webhook removed and set again starts afresh.</summary>
    public DateTimeOffset WebhookCreatedAt { get; set; }

    /// <summary>Every item up to this number was posted (or given up after the last attempt).</summary>
    public long DeliveredSeq { get; set; }

    public short Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
