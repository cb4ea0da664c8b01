using MediatR;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Contracts;

/// <summary>How a consent was given or withdrawn.</summary>
public static class ConsentChannels
{
    public const string Sms = "sms";
    public const string Web = "web";
}

/// <summary>
/// A subscriber opted in to a company (first keyword, keyword after an opt-out, START, or on the web). Delivered from
/// OptIns' outbox at least once, possibly late or out of order with a later opt-out: see <see cref="Sequence"/>.
/// </summary>
public sealed record SubscriberOptedIn(Guid CompanyId, Guid SubscriberId, string Phone, string Via) : IntegrationEvent
{
    /// <summary>Orders the consent events of one company and subscriber: a handler ignores one older than the newest it applied (0: unknown).</summary>
    public long Sequence { get; init; }
}

/// <summary>
/// A subscriber opted out of a company (STOP by SMS or on the web). Campaigns drop the number before their next batch.
/// </summary>
public sealed record SubscriberOptedOut(Guid CompanyId, Guid SubscriberId, string Phone, string Via) : IntegrationEvent
{
    /// <summary>Orders the consent events of one company and subscriber: a handler ignores one older than the newest it applied (0: unknown).</summary>
    public long Sequence { get; init; }
}

/// <summary>One opted-in subscriber of a company, for a campaign's audience.</summary>
public sealed record AudienceMember(Guid SubscriberId, string Phone, string? FirstName);

/// <summary>A page of an audience; <see cref="NextAfterPhone"/> is null on the last page.</summary>
public sealed record SubscriberPage(IReadOnlyList<AudienceMember> Items, string? NextAfterPhone);

/// <summary>
/// The company's opted-in subscribers in phone order, a page at a time (keyset pagination: pass the previous page's
/// <see cref="SubscriberPage.NextAfterPhone"/>). Campaigns call it from their jobs, so the company id is explicit.
/// With <paramref name="KeywordId"/>, only those who opted in by that keyword of the company (a segment's keyword rule).
/// </summary>
public sealed record GetOptedInSubscribersPage(Guid CompanyId, string? AfterPhone, int PageSize = GetOptedInSubscribersPage.DefaultPageSize, Guid? KeywordId = null)
    : IRequest<SubscriberPage>
{
    public const int DefaultPageSize = 10_000;
    public const int MaxPageSize = 50_000;
}

/// <summary>One of a company's keywords (not deleted), for choosing one in a segment's rule.</summary>
public sealed record CompanyKeyword(Guid Id, string Word, string PlatformNumber);

/// <summary>The company's keywords, by word.</summary>
public sealed record ListCompanyKeywords(Guid CompanyId) : IRequest<IReadOnlyList<CompanyKeyword>>;

/// <summary>True when that number has opted out of that company (and not opted back in).</summary>
public sealed record IsOptedOut(Guid CompanyId, string Phone) : IRequest<bool>;

/// <summary>
/// Tells OptIns that a company messaged these numbers from a platform number (a campaign batch), so a bare HELP or
/// START sent back to that number is attributed to the company that messaged last. Returns how many were known.
/// </summary>
public sealed record RecordCompanyContact(Guid CompanyId, string PlatformNumber, IReadOnlyList<string> Phones, DateTimeOffset At) : IRequest<int>;

/// <summary>
/// Creates a keyword for a company if that word is free on that number (for the demo seeder and operators;
/// pages use the company's own forms). Answers whether it was created now.
/// </summary>
public sealed record EnsureKeyword(Guid CompanyId, string PlatformNumber, string Word, string Description, string AutoReply) : IRequest<bool>;

/// <summary>How many subscribers are opted in to the company now (for a campaign's audience estimate).</summary>
public sealed record CountOptedInSubscribers(Guid CompanyId) : IRequest<long>;

/// <summary>How a signed-in subscriber is recognised: the cookie scheme and the claim holding their subscriber id.</summary>
public static class SubscriberSession
{
    public const string Scheme = "Subscriber";
    public const string SubscriberIdClaim = "platform:subscriber_id";
}

/// <summary>Narrows the end-user statistics; null means everyone.</summary>
public sealed record StatisticsFilter(string? Gender = null, string? AgeBand = null, string? Country = null)
{
    public bool IsEmpty => Gender is null && AgeBand is null && Country is null;
}

/// <summary>One figure of a breakdown; <see cref="Count"/> is null when it is suppressed (it would describe fewer than k people).</summary>
public sealed record StatisticsCell(string Label, int? Count);

/// <summary>
/// Aggregates of end users with an account, never rows: every shown figure describes at least
/// <see cref="MinimumCell"/> people. When the filter would isolate fewer than that (or leave fewer outside it),
/// <see cref="Refused"/> says why and nothing is shown.
/// </summary>
public sealed record SubscriberStatistics(
    int MinimumCell,
    string? Refused,
    int? People,
    IReadOnlyList<StatisticsCell> Genders,
    IReadOnlyList<StatisticsCell> AgeBands,
    IReadOnlyList<StatisticsCell> Countries,
    IReadOnlyList<StatisticsCell> HoursOfDay,
    IReadOnlyList<string> FilterGenders,
    IReadOnlyList<string> FilterAgeBands);

/// <summary>Aggregate end-user statistics (k-anonymous, k ≥ 5) for the platform admin's statistics page.</summary>
public sealed record GetSubscriberStatistics(StatisticsFilter Filter) : IRequest<SubscriberStatistics>
{
    public const int MinimumCell = 5;
}
