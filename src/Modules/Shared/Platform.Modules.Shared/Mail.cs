using MediatR;

namespace Platform.Modules.Shared;

/// <summary>
/// Asks the host to email one person. The request only queues the email (in the host's <c>platform.emails</c>, so it
/// survives a restart); a job sends it over SMTP with retries, at most once: an email whose outcome was lost (the host
/// died while the server was answering) is marked unknown and never sent again. Handled by the host.
/// </summary>
/// <param name="To">The recipient's address.</param>
/// <param name="ToName">The recipient's name for the To header, or null.</param>
/// <param name="Subject">The subject line.</param>
/// <param name="Body">What the email says; the host renders it as HTML and plain text in the product's look.</param>
/// <param name="Kind">What sort of email this is (<c>module.purpose</c>, e.g. <c>accounts.password-reset</c>): kept with it for support and retention.</param>
/// <param name="DedupKey">
/// Unique per email the caller means to send (e.g. <c>accounts.password-reset:{token id}</c>): asking again with the same
/// key queues nothing new, so a caller that retries (an event handler delivered twice) never sends twice.
/// </param>
/// <param name="Unsubscribe">For newsletters and other bulk mail: the one-click unsubscribe address (RFC 8058).</param>
/// <param name="Attachments">Files sent with the email (e.g. the invoice PDF with a receipt), kept with it in the queue.</param>
public sealed record SendEmail(
    string To,
    string? ToName,
    string Subject,
    EmailBody Body,
    string Kind,
    string DedupKey,
    EmailUnsubscribe? Unsubscribe = null,
    IReadOnlyList<EmailAttachment>? Attachments = null) : IRequest<EmailQueued>;

/// <summary>
/// A file sent with an email: its name as the recipient sees it, its MIME type and its bytes. At most
/// <see cref="MaxTotalBytes"/> per email: mail servers commonly refuse messages over 10 MB once encoded.
/// </summary>
public sealed record EmailAttachment(string FileName, string ContentType, byte[] Content)
{
    public const int MaxTotalBytes = 5 * 1024 * 1024;
}

/// <summary>
/// An email's content: a heading, paragraphs of plain text (never HTML: the host encodes them) and at most one action
/// button, whose address must be built from <c>Platform:PublicBaseUrl</c>, never from the request's Host header.
/// <paramref name="Markdown"/>: a newsletter's body written by staff, after the paragraphs; the host renders it with
/// <see cref="MailMarkdown"/> (no raw HTML) and puts the Markdown itself in the plain-text part.
/// </summary>
public sealed record EmailBody(string Heading, IReadOnlyList<string> Paragraphs, EmailAction? Action = null, string? Markdown = null);

/// <summary>The email's button: its label and the absolute address it opens (also written out in the plain-text part).</summary>
public sealed record EmailAction(string Label, Uri Url);

/// <summary>
/// Where a recipient unsubscribes with one click: sent as <c>List-Unsubscribe</c> with <c>List-Unsubscribe-Post:
/// List-Unsubscribe=One-Click</c> (RFC 8058), so mail apps show their own unsubscribe button, and as a footer link.
/// </summary>
public sealed record EmailUnsubscribe(Uri OneClickUrl);

/// <summary>The queued email's id, and whether an email with the same dedup key was queued before (nothing new was queued).</summary>
public sealed record EmailQueued(Guid EmailId, bool AlreadyQueued);

/// <summary>
/// The mail log (the host's <c>platform.emails</c>: recipient, subject and bodies, personal data): how long an email is kept
/// after it was sent, failed or became unknown, for support. The host's sending job purges by it and /privacy states it.
/// </summary>
public static class EmailLog
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    public static string RetentionText => $"{Retention.TotalDays:0} days";
}
