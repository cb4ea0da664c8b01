using System.Data;
using Microsoft.Extensions.Configuration;
using Platform.Modules.Shared;
using Npgsql;
using NpgsqlTypes;

namespace Platform.Modules.OptIns.Features;

/// <summary>What <c>optins.apply_keyword</c> did with an inbound keyword.</summary>
internal sealed record KeywordOutcome(
    Guid KeywordId,
    Guid CompanyId,
    string Word,
    string AutoReply,
    Guid SubscriberId,
    string UserCode,
    bool NewSubscriber,
    bool OptedInNow,
    int RequestNumber,
    bool Reply);

/// <summary>
/// The SQL functions of the hot path (one round trip each), called on the module's DbContext connection. Retries
/// a user-code collision with a new code and a deadlock or serialization failure once more.
/// </summary>
internal sealed class OptInsStore(OptInsDataSource dataSource)
{
    private static short Shard() => (short)Random.Shared.Next(16);

    public async Task<KeywordOutcome?> ApplyKeywordAsync(
        string platformNumber, string word, string phone, string text, DateTimeOffset at, TimeSpan replyInterval, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
                await using var command = new NpgsqlCommand(
                    "SELECT * FROM optins.apply_keyword(@number, @word, @phone, @id, @code, @text, @at, @shard, @interval)", connection);
                command.Parameters.Add(new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = platformNumber });
                command.Parameters.Add(new NpgsqlParameter("word", NpgsqlDbType.Text) { Value = word });
                command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
                command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = Guid.CreateVersion7() });
                command.Parameters.Add(new NpgsqlParameter("code", NpgsqlDbType.Text) { Value = Domain.UserCodes.New() });
                command.Parameters.Add(new NpgsqlParameter("text", NpgsqlDbType.Text) { Value = text });
                command.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.TimestampTz) { Value = at });
                command.Parameters.Add(new NpgsqlParameter("shard", NpgsqlDbType.Smallint) { Value = Shard() });
                command.Parameters.Add(new NpgsqlParameter("interval", NpgsqlDbType.Interval) { Value = replyInterval });
                await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return null;
                }

                return new KeywordOutcome(
                    reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetGuid(4), reader.GetString(5),
                    reader.GetBoolean(6), reader.GetBoolean(7), reader.GetInt32(8), reader.GetBoolean(9));
            }
            catch (PostgresException exception) when (attempt < 5 && IsRetryable(exception))
            {
                // A user-code collision (about 1 in 887 million per existing subscriber) or a deadlock: try again.
            }
        }
    }

    /// <summary>Opts the subscriber in or out of those companies; returns the ones whose state changed.</summary>
    public async Task<IReadOnlyList<Guid>> ChangeConsentAsync(
        Guid subscriberId, IReadOnlyCollection<Guid> companyIds, bool optIn, string via, string? text, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (companyIds.Count == 0)
        {
            return [];
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
                await using var command = new NpgsqlCommand(
                    "SELECT out_company_id FROM optins.change_consent(@subscriber, @companies, @in, @via, @text, @at, @shard)", connection);
                command.Parameters.Add(new NpgsqlParameter("subscriber", NpgsqlDbType.Uuid) { Value = subscriberId });
                command.Parameters.Add(new NpgsqlParameter("companies", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = companyIds.ToArray() });
                command.Parameters.Add(new NpgsqlParameter("in", NpgsqlDbType.Boolean) { Value = optIn });
                command.Parameters.Add(new NpgsqlParameter("via", NpgsqlDbType.Text) { Value = via });
                command.Parameters.Add(new NpgsqlParameter("text", NpgsqlDbType.Text) { Value = (object?)text ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.TimestampTz) { Value = at });
                command.Parameters.Add(new NpgsqlParameter("shard", NpgsqlDbType.Smallint) { Value = Shard() });
                var changed = new List<Guid>();
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    changed.Add(reader.GetGuid(0));
                }

                return changed;
            }
            catch (PostgresException exception) when (attempt < 5 && IsRetryable(exception))
            {
            }
        }
    }

    /// <summary>True when a courtesy reply of that kind may go to that number now; records it.</summary>
    public async Task<bool> TryCourtesyReplyAsync(string phone, string kind, DateTimeOffset at, TimeSpan interval, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT optins.try_courtesy_reply(@phone, @kind, @at, @interval)", connection);
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        command.Parameters.Add(new NpgsqlParameter("kind", NpgsqlDbType.Text) { Value = kind });
        command.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.TimestampTz) { Value = at });
        command.Parameters.Add(new NpgsqlParameter("interval", NpgsqlDbType.Interval) { Value = interval });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static bool IsRetryable(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
        || (exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.ConstraintName == "ux_subscribers_user_code");
}

/// <summary>
/// The module's own pooled Npgsql data source for the hot path (no DbContext per inbound message); statements are
/// auto-prepared, so each pooled session parses the function calls once.
/// </summary>
internal sealed class OptInsDataSource : IDisposable
{
    public OptInsDataSource(IConfiguration configuration)
    {
        var builder = new NpgsqlDataSourceBuilder(configuration.PlatformConnectionString());
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 16;
        }

        Source = builder.Build();
    }

    public NpgsqlDataSource Source { get; }

    public void Dispose() => Source.Dispose();
}
