using MediatR;

namespace Platform.Modules.Campaigns.Contracts;

/// <summary>
/// A STOP texted by <paramref name="Phone"/> to <paramref name="PlatformNumber"/>. Campaigns suppresses the number for
/// every company that messaged it from that platform number within the look-back (list contact, API recipient or
/// subscriber alike) and for <paramref name="AlsoCompanies"/> (the companies OptIns holds a subscription for on that
/// number); with <paramref name="OnlyCompany"/> (STOP KEYWORD) for that company alone. Queued messages to the number
/// become Suppressed before the request returns, so it completes before the inbound message is acknowledged to the
/// carrier, whose redelivery covers a crash. Answers the companies that were not suppressed before (for the
/// confirmation), and records a STOP event in each company's inbox thread.
/// </summary>
public sealed record StopMessagesTo(
    string PlatformNumber,
    string Phone,
    string Text,
    DateTimeOffset At,
    IReadOnlyList<Guid> AlsoCompanies,
    Guid? OnlyCompany,
    string? UserCode) : IRequest<IReadOnlyList<Guid>>;

/// <summary>
/// A START texted to a platform number: lifts the suppressions the latest STOP on that number put there (or, with
/// <paramref name="OnlyCompany"/>, that company's STOP suppression). Suppressions a company added by hand or by import
/// stay. Answers the companies that may message the number again.
/// </summary>
public sealed record ResumeMessagesTo(string PlatformNumber, string Phone, string Text, DateTimeOffset At, Guid? OnlyCompany)
    : IRequest<IReadOnlyList<Guid>>;

/// <summary>
/// A text that is no command (not a keyword, STOP, START or HELP): it goes to the inbox of the company that last
/// messaged the handset on that platform number — the latest of Campaigns' own sends and <paramref name="KeywordContact"/>
/// (the company whose keyword the handset last texted there, with when). Answers the company, or null when no company
/// messaged that handset there (the caller then sends its help text).
/// </summary>
public sealed record DeliverReply(
    string PlatformNumber,
    string Phone,
    string Text,
    DateTimeOffset At,
    string CarrierInstance,
    string? CarrierMessageId,
    CompanyContact? KeywordContact,
    string? UserCode) : IRequest<Guid?>;

/// <summary>A company and when it was last in contact with a handset.</summary>
public sealed record CompanyContact(Guid CompanyId, DateTimeOffset At);

/// <summary>
/// A keyword opt-in (or another event OptIns sees) noted in the company's inbox thread with that handset; a thread is
/// opened for it if there is none. <paramref name="Event"/> is one of <see cref="ConversationEventKinds"/>.
/// </summary>
public sealed record NoteConversationEvent(Guid CompanyId, string PlatformNumber, string Phone, string Event, string Text, DateTimeOffset At, string? UserCode)
    : IRequest;

public static class ConversationEventKinds
{
    public const string Keyword = "keyword";
    public const string Stop = "stop";
    public const string Start = "start";
}

/// <summary>The company that last messaged a handset on a platform number (for HELP), or null.</summary>
public sealed record GetLastSender(string PlatformNumber, string Phone) : IRequest<CompanyContact?>;

/// <summary>
/// How many messages in the company's open inbox threads nobody has read yet (the nav's badge). Cheap enough for every
/// page load: a partial index holds only the threads with unread messages.
/// </summary>
public sealed record CountUnreadConversations(Guid CompanyId) : IRequest<int>;
