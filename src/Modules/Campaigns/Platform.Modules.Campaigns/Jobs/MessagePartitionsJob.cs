using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns.Jobs;

/// <summary>
/// Keeps <c>campaigns.messages</c> partitioned by id range (ADR 37), every <see cref="CampaignsOptions.MessagePartitionSeconds"/>:
/// <list type="number">
/// <item>notes which partition ids go to now (the id sequence's position), closing the ones it has left;</item>
/// <item>when the open partition has taken messages for <see cref="CampaignsOptions.MessagePartitionMonths"/>, moves the
/// sequence to the first id of the next one, so a partition holds one period of history;</item>
/// <item>keeps the next partition made ahead, so the ids never run past the last one;</item>
/// <item>notes which partitions may still hold a message that can get a receipt (claimed, submitted, or of a campaign
/// that is sending); receipts, sweeps and STOP look from the first of those on (<see cref="MessagePartitions.ReceiptFloor"/>);</item>
/// <item>drops each partition whose newest message is past the retention: a catalogue change, not a DELETE.</item>
/// </list>
/// Its clock is the keyed <see cref="ClockKey"/> time provider (the system clock; tests set their own to pass months).
/// The job runner's advisory lock keeps it to one node at a time; every step is safe to repeat after a crash.
/// </summary>
internal sealed class MessagePartitionsJob(
    CampaignsDataSource data, IOptions<CampaignsOptions> options, [FromKeyedServices(MessagePartitionsJob.ClockKey)] TimeProvider clock,
    ILogger<MessagePartitionsJob> logger) : IRecurringJob
{
    public const string Id = "campaigns.message-partitions";
    public const string ClockKey = "campaigns.partition-clock";

    /// <summary>
    /// A partition closed less than this long ago still counts as awaiting receipts: a statement that took its ids before
    /// the move (a large audience being written, a send-API request) may not have committed yet.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    /// <summary>Outbox and click rows of a partition about to be dropped are deleted this many per statement.</summary>
    private const int Batch = 5000;

    private sealed record Partition(string Name, long FirstId, long EndId, DateTimeOffset? OpenedAt, DateTimeOffset? ClosedAt);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await data.Source.OpenConnectionAsync(cancellationToken);
        var opened = await RollAsync(connection, now, cancellationToken);
        var awaiting = await NoteReceiptsAsync(connection, now, cancellationToken);
        var dropped = await DropPastRetentionAsync(connection, now, cancellationToken);
        return $"open: {opened}; awaiting receipts from {awaiting}; dropped: {(dropped.Count == 0 ? "none" : string.Join(", ", dropped))}";
    }

    private static async Task<List<Partition>> LoadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT name, first_id, end_id, opened_at, closed_at FROM campaigns.message_partitions WHERE dropped_at IS NULL ORDER BY first_id", connection);
        var result = new List<Partition>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new Partition(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return result;
    }

    /// <summary>Steps 1–3: answers the open partition's name.</summary>
    private async Task<string> RollAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var partitions = await LoadAsync(connection, cancellationToken);
        var next = await connection.ScalarAsync<long>("SELECT " + MessagePartitions.NextId, cancellationToken);

        // Ids have gone past these: every row they will hold was written by now.
        await connection.ExecuteAsync(
            "UPDATE campaigns.message_partitions SET closed_at = @now WHERE dropped_at IS NULL AND closed_at IS NULL AND end_id <= @next",
            cancellationToken, ("now", now), ("next", next));

        var current = partitions.LastOrDefault(p => p.FirstId <= next && next < p.EndId);
        if (current is null)
        {
            // Ids ran past the last partition (more than a whole range between two runs, so inserts are failing): a
            // partition for them at once.
            logger.LogError("Message ids reached {Next}, past every partition of campaigns.messages: opening one now", next);
            var from = partitions.Count > 0 ? partitions[^1].EndId : 1;
            current = await CreateAsync(connection, from, Math.Max(next, from) + settings.MessagePartitionIds, now, cancellationToken);
            partitions.Add(current);
        }

        if (current.OpenedAt is null)
        {
            // Reached by filling the one before rather than by a move of the sequence: its first rows came after the one
            // before opened, which is as early as can be said (lookups by time take the earlier bound, never a later one).
            var before = partitions.LastOrDefault(p => p.EndId <= current.FirstId);
            current = current with { OpenedAt = before?.OpenedAt ?? now };
            await connection.ExecuteAsync("UPDATE campaigns.message_partitions SET opened_at = @at WHERE name = @name",
                cancellationToken, ("at", current.OpenedAt.Value), ("name", current.Name));
        }

        if (current.OpenedAt.Value.AddMonths(settings.MessagePartitionMonths) <= now)
        {
            if (next == current.FirstId)
            {
                // Nothing written to it yet: its period starts now rather than leaving an empty partition behind.
                await connection.ExecuteAsync("UPDATE campaigns.message_partitions SET opened_at = @now WHERE name = @name",
                    cancellationToken, ("now", now), ("name", current.Name));
            }
            else
            {
                var ahead = partitions.FirstOrDefault(p => p.FirstId == current.EndId)
                            ?? await CreateAsync(connection, current.EndId, current.EndId + settings.MessagePartitionIds, now, cancellationToken);
                // The sequence only ever moves forward: not when ids already went past this point (filled meanwhile).
                await connection.ExecuteAsync("""
                    SELECT setval('campaigns.messages_id_seq', @first, false) FROM campaigns.messages_id_seq WHERE last_value < @first;
                    UPDATE campaigns.message_partitions SET closed_at = @now WHERE name = @closing AND closed_at IS NULL;
                    UPDATE campaigns.message_partitions SET opened_at = @now WHERE name = @opening;
                    """, cancellationToken, ("first", ahead.FirstId), ("now", now), ("closing", current.Name), ("opening", ahead.Name));
                logger.LogInformation("Messages partition {Closed} closed after {Months} month(s); new messages go to {Opened} (ids from {First})",
                    current.Name, settings.MessagePartitionMonths, ahead.Name, ahead.FirstId);
                current = ahead with { OpenedAt = now };
            }
        }

        if (!partitions.Any(p => p.FirstId == current.EndId))
        {
            await CreateAsync(connection, current.EndId, current.EndId + settings.MessagePartitionIds, now, cancellationToken);
        }

        return current.Name;
    }

    /// <summary>
    /// Makes a partition for ids [first, end) as a table of its own and attaches it: ATTACH takes a lock that lets
    /// reads and writes of the messages go on (CREATE TABLE … PARTITION OF would take one that stops them), and checks
    /// an empty table. Its indexes are the parent's, made on attach, and a unique index on api_id of its own.
    /// </summary>
    private async Task<Partition> CreateAsync(NpgsqlConnection connection, long first, long end, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var number = await connection.ScalarAsync<long>("SELECT count(*) + 1 FROM campaigns.message_partitions", cancellationToken);
        var name = "messages_p" + number.ToString("D5", CultureInfo.InvariantCulture);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync($"""
            SET LOCAL lock_timeout = '10s';
            CREATE TABLE campaigns.{name} (LIKE campaigns.messages INCLUDING DEFAULTS INCLUDING STORAGE);
            CREATE UNIQUE INDEX {name}_api_id ON campaigns.{name} (api_id) WHERE api_id IS NOT NULL;
            ALTER TABLE campaigns.messages ATTACH PARTITION campaigns.{name}
                FOR VALUES FROM ({first.ToString(CultureInfo.InvariantCulture)}) TO ({end.ToString(CultureInfo.InvariantCulture)});
            INSERT INTO campaigns.message_partitions (name, first_id, end_id, created_at) VALUES (@name, @first, @end, @now);
            """, cancellationToken, ("name", name), ("first", first), ("end", end), ("now", now));
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Messages partition {Name} made ahead for ids {First} to {End}", name, first, end - 1);
        return new Partition(name, first, end, null, null);
    }

    /// <summary>
    /// Step 4. A partition awaits receipts while it is open or closed for less than <see cref="Grace"/>, while a
    /// campaign that is scheduled or sending may have messages in it (they can still be claimed), and while any of its
    /// messages is claimed or submitted (each probe reads the first entry of a small partial index). Answers the first id
    /// receipts look from.
    /// </summary>
    private static async Task<long> NoteReceiptsAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync($"""
            WITH live AS (
                SELECT min(COALESCE(messages_from, CASE WHEN prepared_at IS NOT NULL THEN 1 END)) AS first_id
                FROM campaigns.campaigns WHERE status IN ({Sql.Literals([CampaignStatus.Scheduled, CampaignStatus.Sending])})),
            now_awaiting AS (
                SELECT p.name,
                       p.closed_at IS NULL OR p.closed_at > @recent
                       OR p.end_id > COALESCE((SELECT first_id FROM live), 9223372036854775807)
                       OR (SELECT m.claimed_at FROM campaigns.messages m
                           WHERE m.state = {MessageStateSql.Submitting} AND m.id >= p.first_id AND m.id < p.end_id ORDER BY m.claimed_at LIMIT 1) IS NOT NULL
                       OR (SELECT m.submitted_at FROM campaigns.messages m
                           WHERE m.state = {MessageStateSql.Submitted} AND m.id >= p.first_id AND m.id < p.end_id ORDER BY m.submitted_at LIMIT 1) IS NOT NULL
                       AS awaiting
                FROM campaigns.message_partitions p WHERE p.dropped_at IS NULL)
            UPDATE campaigns.message_partitions p SET awaiting_receipts = a.awaiting
            FROM now_awaiting a WHERE p.name = a.name AND p.awaiting_receipts <> a.awaiting
            """, cancellationToken, ("recent", now - Grace));
        return await connection.ScalarAsync<long>("SELECT " + MessagePartitions.ReceiptFloor, cancellationToken);
    }

    /// <summary>
    /// Step 5. A partition goes once its newest message is <c>MessageRetentionMonths − MessagePartitionMonths</c> months
    /// old (so none of its messages is older than the retention): first the webhook outbox rows and link clicks of its ids
    /// (no foreign key binds them, ADR 37), then DETACH … CONCURRENTLY, which waits for the statements that may be reading
    /// it without stopping anyone, and DROP TABLE. A run that died half way is finished by the next one.
    /// </summary>
    private async Task<List<string>> DropPastRetentionAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var newestBefore = now.AddMonths(settings.MessagePartitionMonths - settings.MessageRetentionMonths);
        var dropped = new List<string>();
        foreach (var partition in (await LoadAsync(connection, cancellationToken)).Where(p => p.ClosedAt is { } closed && closed <= newestBefore))
        {
            var outbox = await DeleteOfRangeAsync(connection, "webhook_deliveries", "id", partition, cancellationToken);
            var clicks = await DeleteOfRangeAsync(connection, "link_clicks", "ctid", partition, cancellationToken);

            var started = Stopwatch.GetTimestamp();
            var state = await connection.ScalarAsync<string>("""
                SELECT CASE WHEN t.oid IS NULL THEN 'gone' WHEN i.inhrelid IS NULL THEN 'detached' WHEN i.inhdetachpending THEN 'pending' ELSE 'attached' END
                FROM (SELECT to_regclass(@qualified) AS oid) t LEFT JOIN pg_inherits i ON i.inhrelid = t.oid
                """, cancellationToken, ("qualified", "campaigns." + partition.Name));
            if (state == "attached")
            {
                // Each its own statement outside a transaction: CONCURRENTLY cannot run inside one.
                await connection.ExecuteAsync($"ALTER TABLE campaigns.messages DETACH PARTITION campaigns.{partition.Name} CONCURRENTLY", cancellationToken);
            }
            else if (state == "pending")
            {
                await connection.ExecuteAsync($"ALTER TABLE campaigns.messages DETACH PARTITION campaigns.{partition.Name} FINALIZE", cancellationToken);
            }

            var detached = Stopwatch.GetElapsedTime(started);
            // Only the detached table is locked now (nobody reads it); removing its files takes time with their size.
            await connection.ExecuteAsync($"DROP TABLE IF EXISTS campaigns.{partition.Name}", cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            await connection.ExecuteAsync("UPDATE campaigns.message_partitions SET dropped_at = @now, awaiting_receipts = false WHERE name = @name",
                cancellationToken, ("now", now), ("name", partition.Name));
            logger.LogInformation(
                "Messages partition {Name} (ids {First} to {Last}, newest message {Closed:u}) past the {Months}-month retention: detached in {Detached} ms, dropped in {Elapsed} ms in all; {Outbox} webhook outbox rows and {Clicks} link clicks of it deleted before",
                partition.Name, partition.FirstId, partition.EndId - 1, partition.ClosedAt, settings.MessageRetentionMonths, Math.Round(detached.TotalMilliseconds, 1),
                Math.Round(elapsed.TotalMilliseconds, 1), outbox, clicks);
            dropped.Add(partition.Name);
        }

        return dropped;
    }

    /// <summary>Deletes the rows of <paramref name="table"/> that belong to the partition's message ids, <see cref="Batch"/> per statement (short locks); answers how many.</summary>
    private static async Task<long> DeleteOfRangeAsync(NpgsqlConnection connection, string table, string rowKey, Partition partition, CancellationToken cancellationToken)
    {
        var total = 0L;
        int deleted;
        do
        {
            deleted = await connection.ExecuteAsync($"""
                DELETE FROM campaigns.{table} WHERE {rowKey} = ANY (ARRAY(
                    SELECT {rowKey} FROM campaigns.{table} WHERE message_id >= @first AND message_id < @end LIMIT @batch))
                """, cancellationToken, ("first", partition.FirstId), ("end", partition.EndId), ("batch", Batch));
            total += deleted;
        }
        while (deleted == Batch);
        return total;
    }
}
