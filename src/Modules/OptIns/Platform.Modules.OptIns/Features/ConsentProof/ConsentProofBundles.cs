using System.Globalization;
using Npgsql;
using Platform.Modules.OptIns.Domain;

namespace Platform.Modules.OptIns.Features.ConsentProof;

/// <summary>
/// A proof that a company holds the consent records of one number (format <c>platform-consent-proof/1</c>): the records in
/// the order they were written, each with its salt (so its fingerprint can be recomputed) and its place in a sealed batch;
/// the chain segments that link those batches to signed checkpoints; the checkpoints. docs/privacy.md says how to check it
/// offline; /privacy/verify checks it online.
/// </summary>
internal sealed record ConsentProofBundle(
    string Format,
    Guid CompanyId,
    string CompanyName,
    string Phone,
    string GeneratedAt,
    string KeyId,
    IReadOnlyList<string> Summary,
    IReadOnlyList<ProofRecord> Records,
    IReadOnlyList<ProofSegment> Segments,
    IReadOnlyList<SignedCheckpoint> Checkpoints)
{
    public const string CurrentFormat = "platform-consent-proof/1";
}

/// <summary>
/// One consent record. An erased one keeps only its time, fingerprint, predecessor and place: its salt and content went
/// with the person's erasure. <see cref="BatchSeq"/> is null until the record is sealed (within a minute),
/// <see cref="CheckpointId"/> until the next daily checkpoint.
/// </summary>
internal sealed record ProofRecord(
    long RecordId,
    string RecordedAt,
    bool Erased,
    string? Salt,
    string? Keyword,
    bool? OptedIn,
    string? Via,
    string? MessageText,
    string LeafHash,
    string? PrevHash,
    long? BatchSeq,
    int? LeafIndex,
    int? TreeSize,
    IReadOnlyList<string>? AuditPath,
    long? CheckpointId);

/// <summary>The roots of batches <see cref="FirstSeq"/>… up to the head that checkpoint signed, and the link before them.</summary>
internal sealed record ProofSegment(long CheckpointId, long FirstSeq, string StartChain, IReadOnlyList<string> Roots);

/// <summary>Builds a company's proof bundle for one number from the consent tables (a handful of queries, no per-record round trip).</summary>
internal sealed class ConsentProofBundles(OptInsDataSource data, PhoneHashes hashes, CompanyNames names, ConsentSigningKey key, TimeProvider clock)
{
    private sealed record Row(long RecordId, DateTimeOffset RecordedAt, byte[] Leaf, byte[]? Prev, long? Seq, int? Index,
        bool Present, byte[]? Salt, string? Keyword, bool? OptedIn, string? Via, string? Text);

    /// <summary>Null when the company has no consent record of the number, erased or not.</summary>
    public async Task<ConsentProofBundle?> BuildAsync(Guid companyId, string phone, CancellationToken cancellationToken)
    {
        await using var connection = await data.Source.OpenConnectionAsync(cancellationToken);
        // One snapshot for all the reads, so a batch sealed meanwhile cannot make the parts disagree.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var rows = await RecordsAsync(connection, transaction, companyId, phone, cancellationToken);
        if (rows.Count == 0)
        {
            return null;
        }

        var paths = await AuditPathsAsync(connection, transaction, companyId, rows, cancellationToken);
        var checkpointOfSeq = await CheckpointsOfAsync(connection, transaction, companyId, rows, cancellationToken);
        var segments = await SegmentsAsync(connection, transaction, companyId, checkpointOfSeq, cancellationToken);
        var checkpoints = await SignedCheckpointsAsync(connection, transaction, segments.Select(s => s.CheckpointId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var records = rows.Select(r =>
        {
            var path = r.Seq is { } seq ? paths[(seq, r.Index!.Value)] : default;
            return new ProofRecord(r.RecordId, ConsentLeafText.Timestamp(r.RecordedAt), !r.Present,
                r.Present ? Convert.ToBase64String(r.Salt!) : null, r.Keyword, r.OptedIn, r.Via, r.Text,
                Convert.ToHexStringLower(r.Leaf), r.Prev is null ? null : Convert.ToHexStringLower(r.Prev),
                r.Seq, r.Index, path.Size, path.Path, r.Seq is { } s && checkpointOfSeq.TryGetValue(s, out var c) ? c.Checkpoint : null);
        }).ToList();
        var companyName = await names.GetAsync(companyId, cancellationToken);
        return new ConsentProofBundle(ConsentProofBundle.CurrentFormat, companyId, companyName, phone,
            ConsentLeafText.Timestamp(clock.GetUtcNow()), key.KeyId, Summarise(companyName, phone, records), records, segments, checkpoints);
    }

    /// <summary>The plain record list carrier audits ask for: time, keyword, message, channel, in or out, company.</summary>
    public static IEnumerable<string[]> CsvRows(ConsentProofBundle bundle)
    {
        yield return ["recorded_at_utc", "company", "phone", "consent", "keyword", "channel", "message_text", "record_id", "fingerprint"];
        foreach (var r in bundle.Records)
        {
            yield return r.Erased
                ? [r.RecordedAt, bundle.CompanyName, bundle.Phone, "(erased at the person's request)", string.Empty, string.Empty, string.Empty,
                    r.RecordId.ToString(CultureInfo.InvariantCulture), r.LeafHash]
                : [r.RecordedAt, bundle.CompanyName, bundle.Phone, r.OptedIn == true ? "opt-in" : "opt-out", r.Keyword ?? string.Empty,
                    r.Via == ConsentVia.Sms ? "SMS" : "web", r.MessageText ?? string.Empty, r.RecordId.ToString(CultureInfo.InvariantCulture), r.LeafHash];
        }
    }

    private static List<string> Summarise(string company, string phone, IReadOnlyList<ProofRecord> records)
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"{company} holds {records.Count} consent record(s) of {phone}."),
        };
        foreach (var r in records)
        {
            lines.Add(r.Erased
                ? $"{r.RecordedAt}: a record erased at the person's request; it provably existed here, its content is gone."
                : $"{r.RecordedAt}: {(r.OptedIn == true ? "opted in" : "opted out")} by {(r.Via == ConsentVia.Sms ? "SMS" : "the web")}"
                  + (r.Keyword is null ? string.Empty : $" (keyword {r.Keyword})") + (r.MessageText is null ? "." : $": \"{r.MessageText}\"."));
        }

        if (records.LastOrDefault(r => !r.Erased) is { } last)
        {
            lines.Add($"State shown by the latest readable record: {(last.OptedIn == true ? "opted in" : "opted out")} since {last.RecordedAt}.");
        }

        var waiting = records.Count(r => r.CheckpointId is null);
        if (waiting > 0)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{waiting} record(s) are newer than the last signed checkpoint (signed daily at 00:05 UTC): download the bundle again after it to prove them."));
        }

        return lines;
    }

    private async Task<List<Row>> RecordsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid companyId, string phone, CancellationToken ct)
    {
        // The number's live records, and leaves kept under its keyed hash after an erasure.
        await using var command = new NpgsqlCommand(
            """
            SELECT l.record_id, l.recorded_at, l.leaf_hash, l.prev_hash, l.batch_seq, l.leaf_index,
                   r.id IS NOT NULL, r.salt, r.keyword, r.opted_in, r.via, r.message_text
            FROM optins.consent_leaves l
            LEFT JOIN optins.consent_records r ON r.id = l.record_id
            WHERE l.company_id = @company
              AND (l.subject_hash = @subject
                   OR l.record_id IN (SELECT c.id FROM optins.consent_records c JOIN optins.subscribers s ON s.id = c.subscriber_id
                                      WHERE s.phone = @phone AND c.company_id = @company))
            ORDER BY l.record_id
            """, connection, transaction);
        command.Parameters.AddWithValue("company", companyId);
        command.Parameters.AddWithValue("subject", hashes.Hash(phone));
        command.Parameters.AddWithValue("phone", phone);
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), (byte[])reader[2], reader.IsDBNull(3) ? null : (byte[])reader[3],
                reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetBoolean(6),
                reader.IsDBNull(7) ? null : (byte[])reader[7], reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetBoolean(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return rows;
    }

    /// <summary>Each sealed record's audit path, from its batch's leaves (one read per batch involved).</summary>
    private static async Task<Dictionary<(long Seq, int Index), (int? Size, IReadOnlyList<string>? Path)>> AuditPathsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid companyId, List<Row> rows, CancellationToken ct)
    {
        var result = new Dictionary<(long, int), (int?, IReadOnlyList<string>?)>();
        foreach (var batch in rows.Where(r => r.Seq is not null).GroupBy(r => r.Seq!.Value))
        {
            var leaves = new List<byte[]>();
            await using (var command = new NpgsqlCommand(
                             "SELECT leaf_hash FROM optins.consent_leaves WHERE company_id = @company AND batch_seq = @seq ORDER BY leaf_index", connection, transaction))
            {
                command.Parameters.AddWithValue("company", companyId);
                command.Parameters.AddWithValue("seq", batch.Key);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    leaves.Add((byte[])reader[0]);
                }
            }

            foreach (var row in batch)
            {
                var index = row.Index!.Value;
                result[(batch.Key, index)] = index < leaves.Count
                    ? (leaves.Count, MerkleTree.AuditPath(leaves, index).Select(Convert.ToHexStringLower).ToList())
                    : (leaves.Count, []);
            }
        }

        return result;
    }

    /// <summary>For each batch, the first checkpoint that signed a head at or after it (none yet for the newest batches).</summary>
    private static async Task<Dictionary<long, (long Checkpoint, long HeadSeq)>> CheckpointsOfAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid companyId, List<Row> rows, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT b.seq, h.checkpoint_id, h.seq
            FROM unnest(@seqs) AS b(seq)
            CROSS JOIN LATERAL (SELECT checkpoint_id, seq FROM optins.consent_checkpoint_heads
                                WHERE company_id = @company AND seq >= b.seq ORDER BY seq, checkpoint_id LIMIT 1) h
            """, connection, transaction);
        command.Parameters.AddWithValue("company", companyId);
        command.Parameters.AddWithValue("seqs", rows.Where(r => r.Seq is not null).Select(r => r.Seq!.Value).Distinct().ToArray());
        var result = new Dictionary<long, (long, long)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetInt64(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }

        return result;
    }

    /// <summary>Per checkpoint: the link before the first batch it must cover here, and every root from there to its head.</summary>
    private static async Task<List<ProofSegment>> SegmentsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid companyId,
        Dictionary<long, (long Checkpoint, long HeadSeq)> checkpointOfSeq, CancellationToken ct)
    {
        var segments = new List<ProofSegment>();
        foreach (var group in checkpointOfSeq.GroupBy(p => p.Value).OrderBy(g => g.Key.HeadSeq))
        {
            var first = group.Min(p => p.Key);
            var start = ConsentChain.Start;
            var roots = new List<string>();
            await using var command = new NpgsqlCommand(
                "SELECT seq, root, chain FROM optins.consent_batches WHERE company_id = @company AND seq BETWEEN @from AND @to ORDER BY seq", connection, transaction);
            command.Parameters.AddWithValue("company", companyId);
            command.Parameters.AddWithValue("from", first - 1);
            command.Parameters.AddWithValue("to", group.Key.HeadSeq);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (reader.GetInt64(0) == first - 1)
                {
                    start = (byte[])reader[2];
                }
                else
                {
                    roots.Add(Convert.ToHexStringLower((byte[])reader[1]));
                }
            }

            segments.Add(new ProofSegment(group.Key.Checkpoint, first, Convert.ToHexStringLower(start), roots));
        }

        return segments;
    }

    private static async Task<List<SignedCheckpoint>> SignedCheckpointsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IEnumerable<long> ids, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT id, body, signature, key_id FROM optins.consent_checkpoints WHERE id = ANY(@ids) ORDER BY id", connection, transaction);
        command.Parameters.AddWithValue("ids", ids.Distinct().ToArray());
        var result = new List<SignedCheckpoint>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new SignedCheckpoint(reader.GetInt64(0), reader.GetString(1), Convert.ToBase64String((byte[])reader[2]), reader.GetString(3)));
        }

        return result;
    }
}
