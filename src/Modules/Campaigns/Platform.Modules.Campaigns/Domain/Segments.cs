using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Modules.Campaigns.Domain;

/// <summary>
/// A company's saved filter over its contacts (Migrations/0022_segments.sql, ADR 35): who it starts from (the chosen
/// lists, every list when none is chosen, and the keyword subscribers when ticked) and the rules they must meet.
/// </summary>
internal sealed class Segment
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public string Name { get; set; } = string.Empty;

    public Guid[] ListIds { get; set; } = [];

    public bool IncludeSubscribers { get; set; }

    /// <summary><see cref="SegmentMatch.All"/> or <see cref="SegmentMatch.Any"/>.</summary>
    public string Match { get; set; } = SegmentMatch.All;

    /// <summary>The rules as stored: a JSON array of <see cref="SegmentRule"/>.</summary>
    public string Rules { get; set; } = "[]";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public IReadOnlyList<SegmentRule> ReadRules() => SegmentRule.Parse(Rules);
}

internal static class SegmentMatch
{
    public const string All = "all";
    public const string Any = "any";
}

/// <summary>
/// One condition of a segment: a <see cref="Subject"/> (a contact field <c>field:key</c>, <c>keyword</c>, <c>added</c>, or
/// <c>activity:sent|delivered|failed|clicked</c>), an <see cref="Op"/> from <see cref="SegmentOps"/> and its value (text,
/// number, YYYY-MM-DD date, keyword or a number of days, as the operator needs).
/// </summary>
internal sealed record SegmentRule(string Subject, string Op, string? Value)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static IReadOnlyList<SegmentRule> Parse(string json) => JsonSerializer.Deserialize<List<SegmentRule>>(json, Json) ?? [];

    public static string Write(IEnumerable<SegmentRule> rules) => JsonSerializer.Serialize(rules, Json);

    public const string FieldPrefix = "field:";
    public const string ActivityPrefix = "activity:";
    public const string Keyword = "keyword";
    public const string Added = "added";

    /// <summary>The contact field's key when the subject is one, else null.</summary>
    public string? FieldKey => Subject.StartsWith(FieldPrefix, StringComparison.Ordinal) ? Subject[FieldPrefix.Length..] : null;

    /// <summary>sent, delivered, failed or clicked when the subject is the contact's activity, else null.</summary>
    public string? Activity => Subject.StartsWith(ActivityPrefix, StringComparison.Ordinal) ? Subject[ActivityPrefix.Length..] : null;
}

/// <summary>The operators, what each reads as on the page, and which subjects take which (one home for the rule).</summary>
internal static class SegmentOps
{
    public const string Is = "is";
    public const string IsNot = "is_not";
    public const string Contains = "contains";
    public const string Greater = "gt";
    public const string Less = "lt";
    public const string Before = "before";
    public const string OnOrAfter = "after";
    public const string Within = "within";
    public const string NotWithin = "not_within";
    public const string Ever = "ever";
    public const string Never = "never";
    public const string Empty = "empty";
    public const string NotEmpty = "not_empty";

    public static readonly IReadOnlyList<(string Op, string Label)> Labels =
    [
        (Is, "is"), (IsNot, "is not"), (Contains, "contains"), (Greater, "is more than"), (Less, "is less than"),
        (Before, "is before (date)"), (OnOrAfter, "is on or after (date)"), (Within, "in the last … days"),
        (NotWithin, "not in the last … days (or never)"), (Ever, "ever"), (Never, "never"), (Empty, "is empty"), (NotEmpty, "is not empty"),
    ];

    public static string Label(string op) => Labels.FirstOrDefault(l => l.Op == op).Label ?? op;

    /// <summary>
    /// Which operators a subject takes: a field by its kind, the keyword, the date added, and activity. The page offers
    /// these (campaigns.js hides the others) and the save refuses any other.
    /// </summary>
    public static IReadOnlyList<string> For(string subjectKind) => subjectKind switch
    {
        ContactFieldKinds.Text or ContactFieldKinds.Choice => [Is, IsNot, Contains, Empty, NotEmpty],
        ContactFieldKinds.Number => [Is, IsNot, Greater, Less, Empty, NotEmpty],
        ContactFieldKinds.Date => [Is, Before, OnOrAfter, Empty, NotEmpty],
        SegmentRule.Keyword => [Is, IsNot],
        SegmentRule.Added => [Before, OnOrAfter, Within],
        _ => [Within, NotWithin, Ever, Never],
    };

    /// <summary>The operators that take no value.</summary>
    public static bool TakesValue(string op) => op is not (Ever or Never or Empty or NotEmpty);

    /// <summary>The operators whose value is a number of days.</summary>
    public static bool TakesDays(string op) => op is Within or NotWithin;

    public static readonly IReadOnlyList<(string Activity, string Label)> Activities =
        [("sent", "Last sent to"), ("delivered", "Last delivered"), ("failed", "Last failed"), ("clicked", "Last clicked a link")];

    public const int MaxDays = 3650;

    public static bool TryDays(string? value, out int days) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out days) && days is >= 1 and <= MaxDays;
}

/// <summary>
/// When the company last sent to a number, and when a message to it was last delivered, last failed and last clicked
/// (Features/Segments/ContactActivity.cs folds them). Personal data: it says how a person dealt with the company's messages.
/// </summary>
internal sealed class ContactActivity
{
    public Guid CompanyId { get; set; }

    [Platform.Modules.Shared.PersonalData(Platform.Modules.Shared.PersonalDataCategory.Contact, Purpose, Retention)]
    public string Phone { get; set; } = string.Empty;

    [Platform.Modules.Shared.PersonalData(Platform.Modules.Shared.PersonalDataCategory.Communication, Purpose, Retention)]
    public DateTimeOffset? LastSentAt { get; set; }

    [Platform.Modules.Shared.PersonalData(Platform.Modules.Shared.PersonalDataCategory.Communication, Purpose, Retention)]
    public DateTimeOffset? LastDeliveredAt { get; set; }

    [Platform.Modules.Shared.PersonalData(Platform.Modules.Shared.PersonalDataCategory.Communication, Purpose, Retention)]
    public DateTimeOffset? LastFailedAt { get; set; }

    [Platform.Modules.Shared.PersonalData(Platform.Modules.Shared.PersonalDataCategory.Communication, Purpose, Retention)]
    public DateTimeOffset? LastClickedAt { get; set; }

    private const string Purpose = "Segments by activity: when the company last messaged the number, and its last delivery, failure and click";
    private const string Retention = "Until the person asks for erasure; 395 days after the last activity";
}

/// <summary>How far a fold into <see cref="ContactActivity"/> has read a source (link clicks).</summary>
internal sealed class ActivityFoldMark
{
    public string Name { get; set; } = string.Empty;

    public DateTimeOffset Through { get; set; }
}
