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
