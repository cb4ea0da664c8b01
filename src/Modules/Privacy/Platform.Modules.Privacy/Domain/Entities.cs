using Platform.Modules.Shared;

namespace Platform.Modules.Privacy.Domain;

internal static class RequestKinds
{
    public const string Export = "export";
    public const string Erasure = "erasure";
}

/// <summary>One self-service request (export or erasure): who, what, when, and what each module did.</summary>
internal sealed class PrivacyRequest
{
    public Guid Id { get; set; }

    public required string SubjectKind { get; set; }

    public Guid SubjectId { get; set; }

    public required string Kind { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>What each module erased and kept (JSON); never the person's data itself.</summary>
    public string? Outcome { get; set; }
}

internal static class Channels
{
    public const string Email = "email";
    public const string Sms = "sms";

    public static readonly string[] All = [Email, Sms];

    public static string Display(string channel) => channel == Email ? "email" : "SMS";
}

/// <summary>Append-only: one change of a person's newsletter/product-update consent on one channel.</summary>
internal sealed class MarketingConsent
{
    public long Id { get; set; }

    public required string SubjectKind { get; set; }

    public Guid SubjectId { get; set; }

    public required string Channel { get; set; }

    public bool Granted { get; set; }

    /// <summary>Where it was given or withdrawn: "account page", "unsubscribe link", …</summary>
    public required string Source { get; set; }

    public DateTimeOffset RecordedAt { get; set; }
}

internal static class NewsletterStatus
{
    public const string Draft = "Draft";
    public const string Sending = "Sending";
    public const string Sent = "Sent";
}

/// <summary>A newsletter or product update written by platform staff (Migrations/0003_newsletters.sql).</summary>
internal sealed class Newsletter
{
    public Guid Id { get; set; }

    public required string Subject { get; set; }

    /// <summary>The email's body, Markdown (rendered by <c>MailMarkdown</c>).</summary>
    public required string Body { get; set; }

    /// <summary>The SMS version (plain text); the opt-out sentence is added when it is sent.</summary>
    public string? SmsText { get; set; }

    /// <summary>Sent by email ("by_mail": a column named for email would be taken for an address).</summary>
    public bool ByMail { get; set; }

    public bool BySms { get; set; }

    public string Status { get; set; } = NewsletterStatus.Draft;

    public Guid CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>Where one newsletter went to one person on one channel, and what came of it.</summary>
internal sealed class NewsletterRecipient
{
    public Guid NewsletterId { get; set; }

    public Guid SubjectId { get; set; }

    public required string Channel { get; set; }

    public short State { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Sending you the newsletters you opted in to, and knowing which one a STOP reply to a newsletter SMS answers",
        "13 months after the newsletter was sent, and at once when you erase your account", Person = PersonKind.BusinessUser, SeenBy = "Platform administrators, as counts only")]
    public string? Address { get; set; }

    public DateTimeOffset? ClaimedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset? UnsubscribedAt { get; set; }
}

/// <summary>Page views counted per day, path, browser family, OS, referrer host and truncated network. No cookie, no user.</summary>
internal sealed class PageViewCount
{
    public DateOnly Day { get; set; }

    public required string Path { get; set; }

    public required string Browser { get; set; }

    public required string OperatingSystem { get; set; }

    /// <summary>Empty when there was no (or no external) referrer.</summary>
    public required string ReferrerHost { get; set; }

    [PersonalData(PersonalDataCategory.Network, "Counting visits for traffic analysis (the address is cut to its /24 or /48 network before it is stored, so it identifies no one)", "Two years, as daily totals",
        Person = PersonKind.Visitor, SeenBy = "Platform administrators, as totals only")]
    public required string NetworkPrefix { get; set; }

    public long Views { get; set; }
}

/// <summary>A request from an authority for a person's data. Never updated: approval is a row of its own.</summary>
internal sealed class Disclosure
{
    public Guid Id { get; set; }

    public required string Authority { get; set; }

    public required string Reference { get; set; }

    public required string LegalBasis { get; set; }

    public required string DataRequested { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Identifying the person a court order or legal process concerns", "Kept as the legal record of the disclosure",
        Person = PersonKind.EndUser, SeenBy = "Platform administrators")]
    public required string SubjectContact { get; set; }

    public DateOnly ReceivedOn { get; set; }

    public Guid RecordedBy { get; set; }

    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>The second admin's approval of a disclosure; the database refuses it from the admin who recorded it.</summary>
internal sealed class DisclosureApproval
{
    public Guid DisclosureId { get; set; }

    public Guid ApprovedBy { get; set; }

    public DateTimeOffset ApprovedAt { get; set; }
}

/// <summary>Append-only audit: a member of staff viewed (or exported) a person's data.</summary>
internal sealed class StaffAccess
{
    public long Id { get; set; }

    public Guid StaffUserId { get; set; }

    public required string SubjectKind { get; set; }

    public Guid SubjectId { get; set; }

    public required string Reason { get; set; }

    public DateTimeOffset At { get; set; }
}
