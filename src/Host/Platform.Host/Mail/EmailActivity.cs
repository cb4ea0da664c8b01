using Npgsql;
using Platform.Modules.Shared;

namespace Platform.Host.Mail;

/// <summary>The last day's email by kind and state, and the latest problems: what an admin needs to see mail is flowing.</summary>
internal sealed record EmailKindActivity(string Kind, int Queued, int Sent, int Failed, int Unknown);

/// <summary>
/// A problem with one email, without the person: only the recipient's domain is shown (admins see that mail to a
/// provider bounces, not who was written to; the full row stays in the database for a support case).
/// </summary>
internal sealed record EmailProblem(DateTimeOffset At, string Kind, string RecipientDomain, EmailState State, int Attempts, string? Error);

internal sealed record EmailActivityView(IReadOnlyList<EmailKindActivity> Kinds, IReadOnlyList<EmailProblem> Problems, DateTimeOffset? OldestDueAt);

internal sealed class EmailActivity(IConfiguration configuration)
{
    /// <summary>Reads only unfinished rows and those finished in the last day (both indexed), never the whole table.</summary>
    public async Task<EmailActivityView> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        await connection.OpenAsync(cancellationToken);
        var kinds = new List<EmailKindActivity>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT kind, count(*) FILTER (WHERE state IN (@queued, @sending)), count(*) FILTER (WHERE state = @sent),
                   count(*) FILTER (WHERE state = @failed), count(*) FILTER (WHERE state = @unknown)
            FROM (SELECT kind, state FROM platform.emails WHERE state IN (@queued, @sending)
                  UNION ALL
                  SELECT kind, state FROM platform.emails WHERE state IN (@sent, @failed, @unknown) AND finished_at > now() - interval '1 day') recent
            GROUP BY kind ORDER BY kind
            """, connection))
        {
            AddStates(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                kinds.Add(new EmailKindActivity(reader.GetString(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4)));
            }
        }

        var problems = new List<EmailProblem>();
        await using (var command = new NpgsqlCommand(
            """
            (SELECT coalesce(finished_at, created_at) AS at, kind, split_part(to_address, '@', 2), state, attempts, last_error
             FROM platform.emails WHERE state IN (@queued, @sending) AND last_error IS NOT NULL)
            UNION ALL
            (SELECT finished_at, kind, split_part(to_address, '@', 2), state, attempts, last_error
             FROM platform.emails WHERE state IN (@failed, @unknown) AND finished_at > now() - interval '1 day')
            ORDER BY at DESC LIMIT 20
            """, connection))
        {
            AddStates(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                problems.Add(new EmailProblem(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2), (EmailState)reader.GetInt16(3),
                    reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }

        await using var oldest = new NpgsqlCommand("SELECT min(next_attempt_at) FROM platform.emails WHERE state = @queued", connection);
        oldest.Parameters.AddWithValue("queued", (short)EmailState.Queued);
        var oldestDue = await oldest.ExecuteScalarAsync(cancellationToken) as DateTime?;
        return new EmailActivityView(kinds, problems, oldestDue is { } due ? new DateTimeOffset(due, TimeSpan.Zero) : null);
    }

    private static void AddStates(NpgsqlCommand command)
    {
        foreach (var state in Enum.GetValues<EmailState>())
        {
            command.Parameters.AddWithValue(state.ToString().ToLowerInvariant(), (short)state);
        }
    }
}
