using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Domain;

/// <summary>A company's named list of contacts (imported from CSV or added by hand).</summary>
internal sealed class ContactList
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public required string Name { get; set; }

    /// <summary>Kept by the statements that add and remove contacts, so pages never count the contacts table.</summary>
    public int ContactCount { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A person on a company's list. The company is the controller of this data; we process it for them.</summary>
internal sealed class Contact
{
    public long Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid ListId { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Sending the company's campaigns to the person", "Until the company deletes the contact or the person asks for erasure")]
    public required string Phone { get; set; }

    [PersonalData(PersonalDataCategory.Identity, "Personalising the company's messages ({first_name})", "Until the company deletes the contact or the person asks for erasure")]
    public string? FirstName { get; set; }

    [PersonalData(PersonalDataCategory.Identity, "Shown to the company on its contact list", "Until the company deletes the contact or the person asks for erasure")]
    public string? LastName { get; set; }

    /// <summary>
    /// The company's own fields (<see cref="ContactField"/>) as one JSON object of strings, {"city": "Leeds"}; null when none.
    /// Values are kept as the rules of their kind wrote them (ContactFieldRules), so a message renders them as stored.
    /// </summary>
    [PersonalData(PersonalDataCategory.Identity, "Personalising the company's messages with its own contact fields ({city})", "Until the company deletes the contact or the person asks for erasure")]
    public string? Fields { get; set; }

    /// <summary>IANA time zone for quiet hours; the number's country gives one when empty.</summary>
    public string? TimeZone { get; set; }

    public required string ConsentSource { get; set; }

    public Guid? ImportId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One CSV import into a list: the importer's consent attestation and what became of the rows.</summary>
internal sealed class ContactImport
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid ListId { get; set; }

    public required string FileName { get; set; }

    public required string DefaultCountry { get; set; }

    public required string ConsentAttestation { get; set; }

    /// <summary>Each row carries its own consent (a <c>consent</c> column); a row without one is refused.</summary>
    public bool PerRowConsent { get; set; }

    public required string Status { get; set; }

    /// <summary>Lines in the uploaded file, counted while it was saved: the progress bar's 100 % (an estimate).</summary>
    public int RowsExpected { get; set; }

    public int RowsRead { get; set; }

    public int Imported { get; set; }

    public int Merged { get; set; }

    public int Rejected { get; set; }

    public string? Error { get; set; }

    public Guid? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>When its Hangfire job was last enqueued (the maintenance job enqueues a lost one again).</summary>
    public DateTimeOffset? JobEnqueuedAt { get; set; }

    /// <summary>What each CSV column fills (ContactFieldRules' targets), by position; null: the columns are taken by their header names.</summary>
    public string[]? ColumnTargets { get; set; }
}

/// <summary>A row of an import that was not taken, with the reason, for the downloadable report.</summary>
internal sealed class ImportError
{
    public Guid ImportId { get; set; }

    public long Line { get; set; }

    public required string Reason { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Showing the importer which row was refused", "Deleted with the import or the list")]
    public string? Value { get; set; }
}

/// <summary>A number the company may not message (opted out through OptIns, or suppressed by hand).</summary>
internal sealed class Suppression
{
    public Guid CompanyId { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Honouring the person's opt-out in every campaign", "As long as the company exists: an opt-out must keep holding")]
    public required string Phone { get; set; }

    public required string Reason { get; set; }

    /// <summary>The platform number a STOP was texted to (a bare START undoes the latest STOP on that number).</summary>
    public string? PlatformNumber { get; set; }

    /// <summary>Why a company suppressed the number by hand.</summary>
    public string? Note { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal static class CampaignKinds
{
    public const string Campaign = "campaign";
    public const string Api = "api";
}

/// <summary>A campaign (or one send-API request): sender, text, audience, schedule, and its counters.</summary>
internal sealed class Campaign
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public string Kind { get; set; } = CampaignKinds.Campaign;

    public required string Name { get; set; }

    public required string SenderId { get; set; }

    public required string Body { get; set; }

    public required string Status { get; set; }

    public bool IncludeSubscribers { get; set; }

    public Guid[] ListIds { get; set; } = [];

    /// <summary>The audience as a saved segment (ADR 35) instead of <see cref="IncludeSubscribers"/> and <see cref="ListIds"/>, read when the audience is built.</summary>
    public Guid? SegmentId { get; set; }

    public required string TimeZone { get; set; }

    public DateTimeOffset? ScheduledAt { get; set; }

    public TimeOnly QuietStart { get; set; } = new(8, 0);

    public TimeOnly QuietEnd { get; set; } = new(21, 0);

    public bool RespectQuietHours { get; set; } = true;

    /// <summary>Links in the text are sent as the platform's short links, which count clicks per recipient (ADR 33).</summary>
    public bool TrackLinks { get; set; }

    /// <summary>The series this campaign belongs to (ADR 34), and which of it: 0 is the campaign the series was set up on.</summary>
    public Guid? RecurrenceId { get; set; }

    public int? Occurrence { get; set; }

    /// <summary>
    /// An A/B test (ADR 36): the share of the audience split between the variants (<see cref="CampaignVariant"/>); the rest
    /// is held for the winner. Null: not an A/B test, and the other <c>Ab…</c> properties are unused.
    /// </summary>
    public short? AbTestPercent { get; set; }

    /// <summary><see cref="AbMetrics"/>: what picks the winner, the delivery rate or the unique-click rate.</summary>
    public string? AbMetric { get; set; }

    /// <summary>How long after the send time the winner is decided.</summary>
    public short? AbWindowHours { get; set; }

    /// <summary>Whether the winner is sent to the held rest of the audience once decided (else they get nothing).</summary>
    public bool AbSendRest { get; set; }

    /// <summary>When the winner is decided: the send time plus the window, set when the audience is built.</summary>
    public DateTimeOffset? AbDecideAt { get; set; }

    /// <summary>The winning variant (0 = A) once decided.</summary>
    public short? AbWinner { get; set; }

    public DateTimeOffset? AbDecidedAt { get; set; }

    /// <summary>Recipients held for the winner when the audience was built.</summary>
    public int AbHeld { get; set; }

    /// <summary>At the decision: true when the held rest was queued with the winner, false when it was dropped; null before.</summary>
    public bool? AbRestSent { get; set; }

    public bool IsAbTest => AbTestPercent is not null;

    /// <summary>The recipients' time zones, noted when the audience was built (Migrations/0006): quiet hours are kept in each.</summary>
    public string[] TimeZones { get; set; } = [];

    public string? AttentionReason { get; set; }

    public DateTimeOffset? PreparedAt { get; set; }

    /// <summary>
    /// The lowest id its messages can have (the id sequence's position when they were written; ADR 37), so statements
    /// about one campaign skip the older partitions of <c>campaigns.messages</c>. Null: every partition may hold them.
    /// </summary>
    public long? MessagesFrom { get; set; }

    public long ReservedCredits { get; set; }

    public long SpentCredits { get; set; }

    public DateTimeOffset? SettledAt { get; set; }

    public int Targeted { get; set; }

    public int Suppressed { get; set; }

    public int Submitted { get; set; }

    public int Delivered { get; set; }

    public int Failed { get; set; }

    /// <summary>The part of <see cref="Failed"/> that never reached the carrier.</summary>
    public int SendFailed { get; set; }

    public int Expired { get; set; }

    public int Unknown { get; set; }

    public Guid? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Messages not in a final state yet (queued, being submitted, or submitted and awaiting a receipt).</summary>
    public int Pending => Targeted - Suppressed - Delivered - Failed - Expired - Unknown;

    /// <summary>Messages the carrier has had its say on, or that will not be sent: what the progress bar shows.</summary>
    public int Processed => Suppressed + Submitted + SendFailed + Unknown;
}

/// <summary>
/// One body of an A/B test (ADR 36): 0 is "A" (also the campaign's <see cref="Campaign.Body"/>), 1 "B", … and the share
/// of the test's recipients it gets. <see cref="Recipients"/> is fixed when the audience is built; the rest is the test's
/// tally, counted by the campaigns.ab-winner job while the test runs and frozen when the winner is decided.
/// </summary>
internal sealed class CampaignVariant
{
    public Guid CampaignId { get; set; }

    public short Variant { get; set; }

    public Guid CompanyId { get; set; }

    public required string Body { get; set; }

    public short Percent { get; set; }

    public int Recipients { get; set; }

    public int Sent { get; set; }

    public int Delivered { get; set; }

    public int Failed { get; set; }

    public int Clicked { get; set; }

    public DateTimeOffset? CountedAt { get; set; }

    /// <summary>"A", "B", … as the pages name a variant.</summary>
    public static string Letter(int variant) => ((char)('A' + variant)).ToString();
}

/// <summary>Credits per segment to one country for one campaign, as quoted when it was prepared.</summary>
/// <summary>A sending slot of a campaign: the generation of the Hangfire run that owns it, and its lease (see Jobs/CampaignJobs). Written by raw SQL only.</summary>
internal sealed class CampaignRun
{
    public Guid CampaignId { get; set; }

    public short Slot { get; set; }

    public int Generation { get; set; }

    public DateTimeOffset? LeaseUntil { get; set; }

    public string? Node { get; set; }
}

internal sealed class CampaignPrice
{
    public Guid CampaignId { get; set; }

    public required string Country { get; set; }

    public long CreditsPerSegment { get; set; }
}

/// <summary>One recipient of a campaign, or one send-API message.</summary>
internal sealed class Message
{
    public long Id { get; set; }

    public Guid CampaignId { get; set; }

    public Guid CompanyId { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Delivering the message and its receipt", "With the campaign; anonymised when the person asks for erasure")]
    public required string Phone { get; set; }

    public required string Country { get; set; }

    public required string TimeZone { get; set; }

    [PersonalData(PersonalDataCategory.Identity, "Personalising the message text", "With the campaign; anonymised when the person asks for erasure")]
    public string? FirstName { get; set; }

    /// <summary>The values of the contact fields the campaign's text uses, copied with the audience (JSON object); null when it uses none.</summary>
    [PersonalData(PersonalDataCategory.Identity, "Personalising the message text with the company's contact fields", "With the campaign; anonymised when the person asks for erasure")]
    public string? Fields { get; set; }

    [PersonalData(PersonalDataCategory.Communication, "The text of a send-API message", "With the message; anonymised when the person asks for erasure")]
    public string? Body { get; set; }

    public Guid? ApiId { get; set; }

    public MessageState State { get; set; }

    public short Attempts { get; set; }

    public short Segments { get; set; }

    public DateTimeOffset NotBefore { get; set; }

    public DateTimeOffset? ClaimedAt { get; set; }

    public string? CarrierInstance { get; set; }

    public string? CarrierMessageId { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset? SubmittedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Send-API messages: the final state has been handed to the webhook outbox.</summary>
    public bool WebhookQueued { get; set; }

    /// <summary>The A/B test variant this message sends (0 = A); null outside a test and for a held recipient before the decision.</summary>
    public short? Variant { get; set; }
}

/// <summary>
/// One partition of <c>campaigns.messages</c> (ADR 37): an id range, when ids started and stopped going to it, whether it
/// may hold a message that can still get a receipt, and when retention dropped it (the row stays as the record).
/// </summary>
internal sealed class MessagePartition
{
    public required string Name { get; set; }

    public long FirstId { get; set; }

    public long EndId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? OpenedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public bool AwaitingReceipts { get; set; }

    public DateTimeOffset? DroppedAt { get; set; }
}

/// <summary>A receipt that arrived before its message's submit was recorded.</summary>
internal sealed class PendingReceipt
{
    public long Id { get; set; }

    public required string CarrierMessageId { get; set; }

    public MessageState State { get; set; }

    public string? ErrorCode { get; set; }

    public DateTimeOffset ReportedAt { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>An international calling code, its country and the time zone quiet hours use by default.</summary>
internal sealed class CallingCode
{
    public required string Code { get; set; }

    public required string Country { get; set; }

    public required string TimeZone { get; set; }
}

/// <summary>A send-API key: only its prefix (to find it) and a SHA-256 hash of the whole key are stored.</summary>
internal sealed class ApiKey
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public required string Name { get; set; }

    public required string Prefix { get; set; }

    public required byte[] KeyHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>Which link of which message was clicked, when first and last, and how often (link previews and bots excluded).</summary>
internal sealed class LinkClick
{
    public long MessageId { get; set; }

    public short LinkIndex { get; set; }

    public Guid CampaignId { get; set; }

    public Guid CompanyId { get; set; }

    [PersonalData(PersonalDataCategory.Communication, "Counting which recipients opened the links of the company's messages (link tracking)",
        "Deleted with the message history, at most 13 months, or when the person asks for erasure")]
    public DateTimeOffset FirstClickedAt { get; set; }

    public DateTimeOffset LastClickedAt { get; set; }

    public int Clicks { get; set; }
}

/// <summary>A campaign link's click counters, kept as clicks are recorded so the live page never counts rows.</summary>
internal sealed class LinkStat
{
    public Guid CampaignId { get; set; }

    public short LinkIndex { get; set; }

    public long Clicks { get; set; }

    public long UniqueClicks { get; set; }
}
