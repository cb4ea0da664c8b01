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
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private const int BatchSize = 50;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        await connection.OpenAsync(cancellationToken);
        var abandoned = await ExecuteAsync(connection,
            "UPDATE platform.emails SET state = @unknown, finished_at = now(), last_error = 'The sender stopped while the mail server was answering: it may have been delivered, so it is not sent again.' WHERE state = @sending",
            cancellationToken, ("unknown", (short)EmailState.Unknown), ("sending", (short)EmailState.Sending));
        var purged = await ExecuteAsync(connection,
            "DELETE FROM platform.emails WHERE state IN (@sent, @failed, @unknown) AND finished_at < @before",
            cancellationToken, ("sent", (short)EmailState.Sent), ("failed", (short)EmailState.Failed), ("unknown", (short)EmailState.Unknown), ("before", clock.GetUtcNow() - Retention));

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
                    await RecordAsync(connection, email, result, mail.MaxAttempts, cancellationToken);
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

    private static async Task<List<QueuedEmail>> DueAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT id, message_id, to_address, to_name, subject, text_body, html_body, unsubscribe_url, attempts
            FROM platform.emails WHERE state = @queued AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("queued", (short)EmailState.Queued);
        command.Parameters.AddWithValue("limit", BatchSize);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var due = new List<QueuedEmail>();
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new QueuedEmail(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetInt32(8)));
        }

        return due;
    }

    /// <summary>Committed before the data goes out: if this process dies now, the next run finds the row Sending and knows.</summary>
    private static async Task<bool> MarkSendingAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken) =>
        await ExecuteAsync(connection, "UPDATE platform.emails SET state = @sending, attempts = attempts + 1 WHERE id = @id AND state = @queued",
            cancellationToken, ("sending", (short)EmailState.Sending), ("id", id), ("queued", (short)EmailState.Queued)) == 1;

    private static Task<int> RecordAsync(NpgsqlConnection connection, QueuedEmail email, MailDeliveryResult result, int maxAttempts, CancellationToken cancellationToken)
    {
        var attempts = email.Attempts + 1;
        var state = result.Outcome switch
        {
            MailDelivery.Sent => EmailState.Sent,
            MailDelivery.Refused => EmailState.Failed,
            MailDelivery.Unknown => EmailState.Unknown,
            _ => attempts >= maxAttempts ? EmailState.Failed : EmailState.Queued,
        };
        // Recorded even when the run is being cancelled: the outcome happened, and losing it would resend a sent email.
        return ExecuteAsync(connection,
            """
            UPDATE platform.emails SET state = @state, last_error = @error, next_attempt_at = now() + @backoff,
                   finished_at = CASE WHEN @state = @queued THEN NULL ELSE now() END
            WHERE id = @id
            """,
            CancellationToken.None, ("state", (short)state), ("error", (object?)result.Detail ?? DBNull.Value), ("backoff", Backoff(attempts)),
            ("queued", (short)EmailState.Queued), ("id", email.Id));
    }

    private static async Task<int> DeferAllDueAsync(NpgsqlConnection connection, string error, int maxAttempts, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            UPDATE platform.emails
            SET attempts = attempts + 1, last_error = left(@error, 500),
                next_attempt_at = now() + make_interval(secs => least(3600, 15 * power(2, attempts + 1))),
                state = CASE WHEN attempts + 1 >= @max THEN @failed ELSE @queued END,
                finished_at = CASE WHEN attempts + 1 >= @max THEN now() END
            WHERE state = @queued AND next_attempt_at <= now()
            """, connection);
        command.Parameters.AddWithValue("error", error);
        command.Parameters.AddWithValue("max", maxAttempts);
        command.Parameters.AddWithValue("failed", (short)EmailState.Failed);
        command.Parameters.AddWithValue("queued", (short)EmailState.Queued);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>30 s, 1 min, 2 min … at most an hour: the same curve as <see cref="DeferAllDueAsync"/>'s SQL.</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(3600, 15 * Math.Pow(2, attempts)));

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record QueuedEmail(Guid Id, string MessageId, string To, string? ToName, string Subject, string Text, string Html, string? Unsubscribe, int Attempts)
    {
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

            message.Body = new BodyBuilder { TextBody = Text, HtmlBody = Html }.ToMessageBody();
            return message;
        }
    }
}
