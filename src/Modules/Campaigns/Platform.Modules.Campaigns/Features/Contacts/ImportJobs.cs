using Hangfire;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>
/// Starts and recovers import jobs. The upload's row is the request: its job is enqueued after the row committed, and
/// an import whose job was lost (a crash between the commit and the enqueue, or a node killed mid-import — its
/// transaction rolled back) is enqueued again by the maintenance job. Runs are idempotent by import id
/// (<see cref="ImportContactsJob"/> takes an advisory lock on it and skips finished imports).
/// </summary>
internal sealed class ImportJobs(CampaignsDataSource data, IBackgroundJobClient hangfire, ImportFiles files, TimeProvider clock)
{
    /// <summary>How long an import may sit unfinished after its job was enqueued before it counts as lost.</summary>
    public static readonly TimeSpan LostAfter = TimeSpan.FromMinutes(2);

    /// <summary>An upload left at its column mapping this long is dropped: its file would otherwise stay on disk for ever.</summary>
    public static readonly TimeSpan MappingAbandonedAfter = TimeSpan.FromHours(24);

    /// <summary>Drops the uploads whose columns nobody mapped within <see cref="MappingAbandonedAfter"/> (Failed, file deleted; nothing was imported).</summary>
    public async Task<int> DropAbandonedMappingsAsync(CancellationToken cancellationToken)
    {
        var dropped = new List<Guid>();
        await using (var command = data.Source.CreateCommand($"""
            UPDATE campaigns.imports SET status = {Sql.Literal(ImportStatus.Failed)}, finished_at = @now,
                   error = 'The columns were not mapped within a day, so the upload was dropped; the list was not changed. Upload the file again.'
            WHERE status = {Sql.Literal(ImportStatus.Mapping)} AND created_at < @before
            RETURNING id
            """))
        {
            command.Parameters.AddWithValue("now", clock.GetUtcNow());
            command.Parameters.AddWithValue("before", clock.GetUtcNow() - MappingAbandonedAfter);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                dropped.Add(reader.GetGuid(0));
            }
        }

        dropped.ForEach(files.Delete);
        return dropped.Count;
    }

    public async Task EnqueueAsync(Guid importId, CancellationToken cancellationToken)
    {
        await using (var command = data.Source.CreateCommand("UPDATE campaigns.imports SET job_enqueued_at = @now WHERE id = @id"))
        {
            command.Parameters.AddWithValue("id", importId);
            command.Parameters.AddWithValue("now", clock.GetUtcNow());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        hangfire.Enqueue<ImportContactsJob>(job => job.RunAsync(importId, CancellationToken.None));
    }

    /// <summary>
    /// Enqueues again the unfinished imports whose job was enqueued long ago and that no run holds now (the advisory
    /// lock is free: tried in the marking transaction, released at its commit; the job_enqueued_at re-check keeps two
    /// sweeps from both enqueueing).
    /// </summary>
    public async Task<int> ResumeLostAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await data.Source.OpenConnectionAsync(cancellationToken);
        var candidates = new List<Guid>();
        await using (var find = new Npgsql.NpgsqlCommand(
            $"SELECT id FROM campaigns.imports WHERE status IN ({Sql.Literals([ImportStatus.Queued, ImportStatus.Reading, ImportStatus.Merging])}) AND COALESCE(job_enqueued_at, created_at) < @before",
            connection))
        {
            find.Parameters.AddWithValue("before", now - LostAfter);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                candidates.Add(reader.GetGuid(0));
            }
        }

        if (candidates.Count == 0)
        {
            return 0;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var lost = new List<Guid>();
        await using (var command = new Npgsql.NpgsqlCommand("""
            UPDATE campaigns.imports i SET job_enqueued_at = @now
            FROM unnest(@ids, @keys) AS k(id, key)
            WHERE i.id = k.id AND COALESCE(i.job_enqueued_at, i.created_at) < @before AND pg_try_advisory_xact_lock(k.key)
            RETURNING i.id
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("before", now - LostAfter);
            command.Parameters.AddWithValue("ids", candidates.ToArray());
            command.Parameters.AddWithValue("keys", candidates.Select(LockKey).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                lost.Add(reader.GetGuid(0));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var id in lost)
        {
            hangfire.Enqueue<ImportContactsJob>(job => job.RunAsync(id, CancellationToken.None));
        }

        return lost.Count;
    }

    /// <summary>Import locks live in a key range of their own ("IM" in the top bytes), clear of the migrator's and the recurring jobs'.</summary>
    private const long LockRange = 0x494D_0000_0000_0000L;

    /// <summary>The import's lock key (taken by the job for its run, tried by the sweep): the first 60 bits of md5(id) in the import range.</summary>
    public static long LockKey(Guid importId)
    {
        var hash = System.Security.Cryptography.MD5.HashData(System.Text.Encoding.ASCII.GetBytes(importId.ToString()));
        var first = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash);
        return (long)(first >> 4) | LockRange;
    }
}
