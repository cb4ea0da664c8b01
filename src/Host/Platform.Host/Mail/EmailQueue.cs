using Dapper;
using Hangfire;
using MediatR;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;
using Platform.Modules.Shared;

namespace Platform.Host.Mail;

/// <summary>
/// Queues a module's <see cref="SendEmail"/> in <c>platform.emails</c> (rendered now, so what is sent is what was
/// asked, whatever the templates become) and wakes the sending job. The dedup key makes asking twice harmless.
/// </summary>
internal sealed class SendEmailHandler(IConfiguration configuration, IOptions<MailOptions> options, EmailSendingWakeUp wakeUp, TimeProvider clock)
    : IRequestHandler<SendEmail, EmailQueued>
{
    public async Task<EmailQueued> Handle(SendEmail request, CancellationToken cancellationToken)
    {
        // A module passing an address it did not validate is a bug in that module, not a user's mistake: say which.
        if (!MailboxAddress.TryParse(request.To, out var to) || request.To.Length > 254 || !request.To.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{request.To}' is not an email address ({request.Kind}).", nameof(request));
        }

        var attachments = request.Attachments ?? [];
        if (attachments.Sum(a => (long)a.Content.Length) > EmailAttachment.MaxTotalBytes
            || attachments.Any(a => string.IsNullOrWhiteSpace(a.FileName) || a.FileName.Length > 200 || !ContentType.TryParse(a.ContentType, out _)))
        {
            throw new ArgumentException($"The attachments of a {request.Kind} email are over {EmailAttachment.MaxTotalBytes} bytes or badly named.", nameof(request));
        }

        var mail = options.Value;
        var (text, html) = EmailTemplates.Render(request.Body, mail.FromName, request.Unsubscribe?.OneClickUrl);
        var id = Guid.CreateVersion7(clock.GetUtcNow());
        var dedupKey = Bounded(request.DedupKey, 200)!;
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        await connection.OpenAsync(cancellationToken);
        // The email and its files together: the sending job never sees one without the other.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO platform.emails (id, dedup_key, kind, message_id, to_address, to_name, subject, text_body, html_body, unsubscribe_url)
            VALUES (@Id, @DedupKey, @Kind, @MessageId, @To, @ToName, @Subject, @Text, @Html, @Unsubscribe)
            ON CONFLICT (dedup_key) DO NOTHING
            """,
            new
            {
                Id = id,
                DedupKey = dedupKey,
                Kind = Bounded(request.Kind, 60),
                MessageId = $"{id:N}@{mail.MessageIdDomain}",
                To = to.Address,
                ToName = Bounded(request.ToName, 200),
                Subject = Bounded(request.Subject, 300),
                Text = text,
                Html = html,
                Unsubscribe = request.Unsubscribe?.OneClickUrl.AbsoluteUri,
            }, transaction, cancellationToken: cancellationToken));
        if (inserted == 1 && attachments.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO platform.email_attachments (email_id, position, file_name, content_type, content) VALUES (@Id, @Position, @FileName, @ContentType, @Content)",
                attachments.Select((a, i) => new { Id = id, Position = (short)i, a.FileName, a.ContentType, a.Content }),
                transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        if (inserted == 0)
        {
            // The row can have left since (30 days after it was final): then the key is spent and nothing is queued either.
            var existing = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                "SELECT id FROM platform.emails WHERE dedup_key = @DedupKey", new { DedupKey = dedupKey }, cancellationToken: cancellationToken));
            return new EmailQueued(existing ?? Guid.Empty, AlreadyQueued: true);
        }

        wakeUp.Wake();
        return new EmailQueued(id, AlreadyQueued: false);
    }

    private static string? Bounded(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}

/// <summary>
/// Starts a run of the sending job when an email is queued, so it goes out in seconds instead of at the next tick.
/// At most one wake-up a second per host: a burst (a newsletter's batch) is drained by the run the first one started.
/// </summary>
internal sealed class EmailSendingWakeUp(IRecurringJobManager recurringJobs, TimeProvider clock, ILogger<EmailSendingWakeUp> logger)
{
    private long lastWakeTicks;

    public void Wake()
    {
        var now = clock.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref lastWakeTicks);
        if (now - last < TimeSpan.TicksPerSecond || Interlocked.CompareExchange(ref lastWakeTicks, now, last) != last)
        {
            return;
        }

        try
        {
            recurringJobs.Trigger(SendQueuedEmailsJob.Id);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The email is queued; the job's next tick sends it. Waking early is only a courtesy.
            logger.LogWarning(exception, "Could not wake the email job; the queued email goes out at its next tick");
        }
    }
}
