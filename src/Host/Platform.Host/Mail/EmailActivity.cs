using Dapper;
using Npgsql;
using Platform.Modules.Shared;

namespace Platform.Host.Mail;

/// <summary>The last day's email by kind and state, and the latest problems: what an admin needs to see mail is flowing.</summary>
internal sealed record EmailKindActivity(string Kind, int Queued, int Sent, int Failed, int Unknown);

/// <summary>
/// A problem with one email (times in UTC), without the person: only the recipient's domain is shown (admins see that mail to a
/// provider bounces, not who was written to; the full row stays in the database for a support case).
/// </summary>
internal sealed record EmailProblem(DateTime At, string Kind, string RecipientDomain, EmailState State, int Attempts, string? Error);

internal sealed record EmailActivityView(IReadOnlyList<EmailKindActivity> Kinds, IReadOnlyList<EmailProblem> Problems, DateTime? OldestDueAt);

internal sealed class EmailActivity(IConfiguration configuration)
{
    private static readonly object States = new
    {
        Queued = EmailState.Queued,
        Sending = EmailState.Sending,
        Sent = EmailState.Sent,
        Failed = EmailState.Failed,
        Unknown = EmailState.Unknown,
    };

    /// <summary>Reads only unfinished rows and those finished in the last day (both indexed), never the whole table.</summary>
    public async Task<EmailActivityView> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        var kinds = await connection.QueryAsync<EmailKindActivity>(new CommandDefinition(
            """
            SELECT kind, count(*) FILTER (WHERE state IN (@Queued, @Sending))::int AS queued, count(*) FILTER (WHERE state = @Sent)::int AS sent,
                   count(*) FILTER (WHERE state = @Failed)::int AS failed, count(*) FILTER (WHERE state = @Unknown)::int AS unknown
            FROM (SELECT kind, state FROM platform.emails WHERE state IN (@Queued, @Sending)
                  UNION ALL
                  SELECT kind, state FROM platform.emails WHERE state IN (@Sent, @Failed, @Unknown) AND finished_at > now() - interval '1 day') recent
            GROUP BY kind ORDER BY kind
            """, States, cancellationToken: cancellationToken));
        var problems = await connection.QueryAsync<EmailProblem>(new CommandDefinition(
            """
            (SELECT coalesce(finished_at, created_at) AS at, kind, split_part(to_address, '@', 2) AS "RecipientDomain", state, attempts, last_error AS error
             FROM platform.emails WHERE state IN (@Queued, @Sending) AND last_error IS NOT NULL)
            UNION ALL
            (SELECT finished_at, kind, split_part(to_address, '@', 2), state, attempts, last_error
             FROM platform.emails WHERE state IN (@Failed, @Unknown) AND finished_at > now() - interval '1 day')
            ORDER BY at DESC LIMIT 20
            """, States, cancellationToken: cancellationToken));
        var oldestDue = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT min(next_attempt_at) FROM platform.emails WHERE state = @Queued", States, cancellationToken: cancellationToken));
        return new EmailActivityView([.. kinds], [.. problems], oldestDue);
    }
}
