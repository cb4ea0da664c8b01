using Dapper;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Host.Mail;

/// <summary>
/// Sends the queued emails over SMTP, oldest due first, over one connection per run. Each email is marked
/// <see cref="EmailState.Sending"/> (committed) before its data goes out and gets its outcome right after the server's
/// answer. The runner's advisory lock lets only one run live in the whole cluster, so an email a run finds still
/// <see cref="EmailState.Sending"/> was left by a run that died mid-send: it becomes <see cref="EmailState.Unknown"/>
/// and is never sent again (at most once; the lost-answer case is rare, a duplicate reset link is worse than none).
/// </summary>
internal sealed class SendQueuedEmailsJob(IConfiguration configuration, IOptions<MailOptions> options, IMailTransport transport, TimeProvider clock, ILogger<SendQueuedEmailsJob> logger)
    : IRecurringJob
{
    public const string Id = "platform.send-emails";

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>How long final emails (with their bodies: personal data) are kept for support before they leave.</summary>
    public static TimeSpan Retention => EmailLog.Retention;

    private const int BatchSize = 50;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        await connection.OpenAsync(cancellationToken);
        var abandoned = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE platform.emails SET state = @Unknown, finished_at = now(), last_error = 'The sender stopped while the mail server was answering: it may have been delivered, so it is not sent again.' WHERE state = @Sending",
            States, cancellationToken: cancellationToken));
        var purged = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM platform.emails WHERE state IN (@Sent, @Failed, @Unknown) AND finished_at < @Before",
            new { States.Sent, States.Failed, States.Unknown, Before = clock.GetUtcNow() - Retention }, cancellationToken: cancellationToken));

        var mail = options.Value;
        if (!mail.Configured)
        {
            return $"Mail is not configured (Platform:Mail:Host): emails stay queued. {abandoned} unknown, {purged} purged";
        }

        var tally = new Dictionary<MailDelivery, int>();
        IMailSession? session = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var due = await DueAsync(connection, cancellationToken);
                if (due.Count == 0)
                {
                    break;
                }

                foreach (var email in due)
                {
                    if (session is not { Usable: true })
                    {
                        if (session is not null)
                        {
                            await session.DisposeAsync();
                            session = null;
                        }

                        try
                        {
                            session = await transport.OpenAsync(cancellationToken);
                        }
                        catch (Exception unreachable) when (unreachable is not OperationCanceledException and not OutOfMemoryException)
                        {
                            // Nothing went out: every due email waits for its next attempt (counted, so a server that never
                            // comes back ends them Failed rather than retrying forever).
                            var deferred = await DeferAllDueAsync(connection, $"Mail server unreachable: {unreachable.Message}", mail.MaxAttempts, cancellationToken);
                            logger.LogWarning(unreachable, "Mail server {Host}:{Port} unreachable; {Count} emails deferred", mail.Host, mail.Port, deferred);
                            return $"Mail server unreachable ({unreachable.Message}): {deferred} deferred. {Summary(tally, abandoned, purged)}";
                        }
                    }

                    if (!await MarkSendingAsync(connection, email.Id, cancellationToken))
                    {
                        continue;
                    }

                    var result = await session.SendAsync(email.ToMimeMessage(mail), CancellationToken.None);
                    await RecordAsync(connection, email, result, mail.MaxAttempts);
                    tally[result.Outcome] = tally.GetValueOrDefault(result.Outcome) + 1;
                }
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }
        }

        return Summary(tally, abandoned, purged);
    }

    private static string Summary(Dictionary<MailDelivery, int> tally, int abandoned, int purged) =>
        $"{tally.GetValueOrDefault(MailDelivery.Sent)} sent, {tally.GetValueOrDefault(MailDelivery.RetryLater)} deferred, " +
        $"{tally.GetValueOrDefault(MailDelivery.Refused)} refused, {tally.GetValueOrDefault(MailDelivery.Unknown) + abandoned} unknown, {purged} purged";

    private static async Task<IReadOnlyList<QueuedEmail>> DueAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var due = (await connection.QueryAsync<QueuedEmail>(new CommandDefinition(
            """
            SELECT id, message_id AS MessageId, to_address AS "To", to_name AS ToName, subject, text_body AS Text, html_body AS Html,
                   unsubscribe_url AS Unsubscribe, attempts
            FROM platform.emails WHERE state = @Queued AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT @Limit
            """, new { States.Queued, Limit = BatchSize }, cancellationToken: cancellationToken))).ToList();
        if (due.Count == 0)
        {
            return due;
        }

        // The batch's files in one query (most emails have none).
        var files = (await connection.QueryAsync<QueuedAttachment>(new CommandDefinition(
            """
            SELECT email_id AS EmailId, file_name AS FileName, content_type AS ContentType, content
            FROM platform.email_attachments WHERE email_id = ANY(@Ids) ORDER BY email_id, position
            """, new { Ids = due.Select(e => e.Id).ToArray() }, cancellationToken: cancellationToken))).ToLookup(f => f.EmailId);
        return [.. due.Select(e => e with { Attachments = [.. files[e.Id]] })];
    }

    /// <summary>Committed before the data goes out: if this process dies now, the next run finds the row Sending and knows.</summary>
    private static async Task<bool> MarkSendingAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition("UPDATE platform.emails SET state = @Sending, attempts = attempts + 1 WHERE id = @Id AND state = @Queued",
            new { States.Sending, States.Queued, Id = id }, cancellationToken: cancellationToken)) == 1;

    private static Task<int> RecordAsync(NpgsqlConnection connection, QueuedEmail email, MailDeliveryResult result, int maxAttempts)
    {
        var attempts = email.Attempts + 1; // counted by MarkSendingAsync
        var state = result.Outcome switch
        {
            MailDelivery.Sent => EmailState.Sent,
            MailDelivery.Refused => EmailState.Failed,
            MailDelivery.Unknown => EmailState.Unknown,
            _ => attempts >= maxAttempts ? EmailState.Failed : EmailState.Queued,
        };
        // Recorded even when the run is being cancelled: the outcome happened, and losing it would resend a sent email.
        return connection.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE platform.emails SET state = @State, last_error = @Error, next_attempt_at = {NextAttemptAfter("attempts")},
                   finished_at = CASE WHEN @State = @Queued THEN NULL ELSE now() END
            WHERE id = @Id
            """,
            new { State = state, Error = result.Detail, States.Queued, Id = email.Id }));
    }

    private static Task<int> DeferAllDueAsync(NpgsqlConnection connection, string error, int maxAttempts, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE platform.emails
            SET attempts = attempts + 1, last_error = left(@Error, 500),
                next_attempt_at = {NextAttemptAfter("attempts + 1")},
                state = CASE WHEN attempts + 1 >= @Max THEN @Failed ELSE @Queued END,
                finished_at = CASE WHEN attempts + 1 >= @Max THEN now() END
            WHERE state = @Queued AND next_attempt_at <= now()
            """, new { Error = error, Max = maxAttempts, States.Failed, States.Queued }, cancellationToken: cancellationToken));

    /// <summary>
    /// When to try again after the <paramref name="attempts"/>-th attempt (an SQL expression over the row): 30 s, 1 min,
    /// 2 min … at most an hour. One curve for both ways an attempt ends (one email deferred, the server unreachable for all).
    /// </summary>
    private static string NextAttemptAfter(string attempts) => $"now() + make_interval(secs => least(3600, 15 * power(2, {attempts})))";

    private static readonly EmailStates States = new();

    /// <summary>The state values as Dapper parameters by name (sent as smallint, the column's type).</summary>
    private sealed class EmailStates
    {
        public EmailState Queued => EmailState.Queued;

        public EmailState Sending => EmailState.Sending;

        public EmailState Sent => EmailState.Sent;

        public EmailState Failed => EmailState.Failed;

        public EmailState Unknown => EmailState.Unknown;
    }

    private sealed record QueuedAttachment(Guid EmailId, string FileName, string ContentType, byte[] Content);

    private sealed record QueuedEmail(Guid Id, string MessageId, string To, string? ToName, string Subject, string Text, string Html, string? Unsubscribe, int Attempts)
    {
        public IReadOnlyList<QueuedAttachment> Attachments { get; init; } = [];

        public MimeMessage ToMimeMessage(MailOptions mail)
        {
            var message = new MimeMessage { MessageId = MessageId, Subject = Subject, Date = DateTimeOffset.UtcNow };
            message.From.Add(new MailboxAddress(mail.FromName, mail.FromAddress));
            if (!string.IsNullOrEmpty(mail.ReplyTo))
            {
                message.ReplyTo.Add(MailboxAddress.Parse(mail.ReplyTo));
            }

            message.To.Add(new MailboxAddress(ToName ?? string.Empty, To));
            if (Unsubscribe is not null)
            {
                // RFC 8058: mail apps POST "List-Unsubscribe=One-Click" to this address, without the recipient signing in.
                message.Headers.Add("List-Unsubscribe", $"<{Unsubscribe}>");
                message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            }

            var body = new BodyBuilder { TextBody = Text, HtmlBody = Html };
            foreach (var file in Attachments)
            {
                body.Attachments.Add(file.FileName, file.Content, ContentType.Parse(file.ContentType));
            }

            message.Body = body.ToMessageBody();
            return message;
        }
    }
}
