using Dapper;
using Npgsql;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Shared;

namespace Platform.Host.Mail;

/// <summary>
/// The emails the platform sent a person (the mail log, <c>platform.emails</c>, kept <see cref="SendQueuedEmailsJob.Retention"/>):
/// listed in "Download my data", deleted with the account. Found by address, the only thing an email row knows of its
/// recipient.
/// </summary>
internal sealed class EmailPersonalData(IConfiguration configuration) : IPersonalDataContributor
{
    public string Module => "Email";

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Email is not { Length: > 0 } email)
        {
            return null;
        }

        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        var emails = (await connection.QueryAsync<EmailExport>(new CommandDefinition(
            """
            SELECT kind AS Kind, subject AS Subject, to_address AS ToAddress, created_at AS QueuedAt, finished_at AS FinishedAt,
                   CASE state WHEN 0 THEN 'queued' WHEN 1 THEN 'sending' WHEN 2 THEN 'sent' WHEN 3 THEN 'failed' ELSE 'unknown' END AS State
            FROM platform.emails WHERE lower(to_address) = lower(@Email) ORDER BY created_at
            """,
            new { Email = email }, cancellationToken: ct))).ToList();
        return emails.Count == 0 ? null : new { emailsSentToYou = emails, keptFor = $"{EmailLog.RetentionText} after sending" };
    }

    public async Task<ErasureOutcome> EraseAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Email is not { Length: > 0 } email)
        {
            return ErasureOutcome.Nothing(Module);
        }

        // An email being handed to the mail server this very second is left to its sender (deleting the row under it would
        // make its outcome unrecordable); it is final within seconds and leaves with the retention purge.
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        var erased = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM platform.emails WHERE lower(to_address) = lower(@Email) AND state <> @Sending",
            new { Email = email, Sending = (short)EmailState.Sending }, cancellationToken: ct));
        return new ErasureOutcome(Module, erased, []);
    }
}

/// <summary>One line of the export: what was sent, when, and how it went (never the body: the person has it in their mailbox).</summary>
internal sealed record EmailExport(string Kind, string Subject, string ToAddress, DateTime QueuedAt, DateTime? FinishedAt, string State);
