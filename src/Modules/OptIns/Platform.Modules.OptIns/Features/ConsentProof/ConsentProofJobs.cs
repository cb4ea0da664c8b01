using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.OptIns.Features.ConsentProof;

/// <summary>
/// Seals each company's new consent leaves into a batch: a Merkle tree over them in record order, its root chained to the
/// company's previous batch. Runs every minute, so a batch holds about a minute of a company's consent records. Leaves of
/// transactions not yet committed are invisible here and go into the next batch; a leaf is sealed once (the table's
/// trigger refuses a second seal).
/// </summary>
internal sealed class SealConsentJob(OptInsDataSource data, PhoneHashes hashes, TimeProvider clock) : IRecurringJob
{
    public const string Id = "optins.seal-consent";

    /// <summary>At most this many leaves per batch, so a burst never builds one huge tree in memory.</summary>
    public const int MaxLeaves = 50_000;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var companies = new List<Guid>();
        await using (var command = data.Source.CreateCommand("SELECT DISTINCT company_id FROM optins.consent_leaves WHERE batch_seq IS NULL"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                companies.Add(reader.GetGuid(0));
            }
        }

        var batches = 0;
        var leaves = 0;
        foreach (var company in companies)
        {
            int sealedNow;
            while ((sealedNow = await SealAsync(company, cancellationToken)) > 0)
            {
                batches++;
                leaves += sealedNow;
                if (sealedNow < MaxLeaves)
                {
                    break;
                }
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{leaves} consent records sealed in {batches} batches for {companies.Count} companies");
    }

    private async Task<int> SealAsync(Guid companyId, CancellationToken cancellationToken)
    {
        await using var connection = await data.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var recordIds = new List<long>();
        var leafHashes = new List<byte[]>();
        var subjects = new List<string?>();
        // SKIP LOCKED: a leaf an erasure is giving its subject hash right now is sealed by the next run instead of waited for.
        await using (var command = new NpgsqlCommand(
                         """
                         SELECT l.record_id, l.leaf_hash, s.phone
                         FROM optins.consent_leaves l
                         LEFT JOIN optins.consent_records r ON r.id = l.record_id
                         LEFT JOIN optins.subscribers s ON s.id = r.subscriber_id
                         WHERE l.company_id = @company AND l.batch_seq IS NULL
                         ORDER BY l.record_id
                         LIMIT @max
                         FOR UPDATE OF l SKIP LOCKED
                         """, connection, transaction))
        {
            command.Parameters.AddWithValue("company", companyId);
            command.Parameters.AddWithValue("max", MaxLeaves);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                recordIds.Add(reader.GetInt64(0));
                leafHashes.Add((byte[])reader[1]);
                subjects.Add(reader.IsDBNull(2) ? null : hashes.Hash(reader.GetString(2)));
            }
        }

        if (recordIds.Count == 0)
        {
            return 0;
        }

        long previousSeq = 0;
        var previousChain = ConsentChain.Start;
        await using (var command = new NpgsqlCommand(
                         "SELECT seq, chain FROM optins.consent_batches WHERE company_id = @company ORDER BY seq DESC LIMIT 1", connection, transaction))
        {
            command.Parameters.AddWithValue("company", companyId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                previousSeq = reader.GetInt64(0);
                previousChain = (byte[])reader[1];
            }
        }

        var seq = previousSeq + 1;
        var root = MerkleTree.Root(leafHashes);
        await using (var command = new NpgsqlCommand(
                         """
                         INSERT INTO optins.consent_batches (company_id, seq, leaf_count, root, chain, sealed_at)
                         VALUES (@company, @seq, @count, @root, @chain, @at);
                         UPDATE optins.consent_leaves l
                         SET batch_seq = @seq, leaf_index = u.ordinality - 1, subject_hash = coalesce(l.subject_hash, u.subject)
                         FROM unnest(@ids, @subjects) WITH ORDINALITY AS u(record_id, subject, ordinality)
                         WHERE l.record_id = u.record_id
                         """, connection, transaction))
        {
            command.Parameters.AddWithValue("company", companyId);
            command.Parameters.AddWithValue("seq", seq);
            command.Parameters.AddWithValue("count", recordIds.Count);
            command.Parameters.AddWithValue("root", root);
            command.Parameters.AddWithValue("chain", ConsentChain.Next(previousChain, root));
            command.Parameters.AddWithValue("at", clock.GetUtcNow());
            command.Parameters.AddWithValue("ids", recordIds.ToArray());
            command.Parameters.Add(new NpgsqlParameter("subjects", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = subjects.ToArray() });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return recordIds.Count;
    }
}

/// <summary>
/// Once a day, signs the chain head of every company whose chain grew since the last checkpoint, stores the checkpoint and
/// writes it as a file. A proof bundle links each record to the first checkpoint after its batch.
/// </summary>
internal sealed class ConsentCheckpointJob(OptInsDataSource data, ConsentSigningKey key, IOptions<OptInsOptions> options,
    IHostEnvironment environment, TimeProvider clock) : IRecurringJob
{
    public const string Id = "optins.consent-checkpoint";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var checkpoint = await IssueAsync(cancellationToken);
        return checkpoint is null
            ? "No consent record was sealed since the last checkpoint: nothing to sign"
            : string.Create(CultureInfo.InvariantCulture, $"Checkpoint {checkpoint.Value.Id} signed the chains of {checkpoint.Value.Companies} companies");
    }

    public async Task<(long Id, int Companies)?> IssueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await data.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One checkpoint at a time across hosts (the job runner's lock covers the schedule; this covers a manual trigger).
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('optins.consent-checkpoint'))", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var heads = new List<(Guid Company, long Seq, byte[] Chain)>();
        await using (var command = new NpgsqlCommand(
                         """
                         SELECT DISTINCT ON (b.company_id) b.company_id, b.seq, b.chain
                         FROM optins.consent_batches b
                         WHERE b.seq > coalesce((SELECT max(h.seq) FROM optins.consent_checkpoint_heads h WHERE h.company_id = b.company_id), 0)
                         ORDER BY b.company_id, b.seq DESC
                         """, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                heads.Add((reader.GetGuid(0), reader.GetInt64(1), (byte[])reader[2]));
            }
        }

        if (heads.Count == 0)
        {
            return null;
        }

        long id;
        await using (var command = new NpgsqlCommand("SELECT nextval(pg_get_serial_sequence('optins.consent_checkpoints', 'id'))", connection, transaction))
        {
            id = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        var issuedAt = clock.GetUtcNow();
        var body = CheckpointBody.Write(id, ConsentLeafText.Timestamp(issuedAt), key.KeyId, heads);
        var signature = key.Sign(body);
        await using (var command = new NpgsqlCommand(
                         """
                         INSERT INTO optins.consent_checkpoints (id, issued_at, body, signature, key_id) VALUES (@id, @at, @body, @signature, @key);
                         INSERT INTO optins.consent_checkpoint_heads (checkpoint_id, company_id, seq) SELECT @id, c, s FROM unnest(@companies, @seqs) AS u(c, s);
                         """, connection, transaction))
        {
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("at", issuedAt);
            command.Parameters.AddWithValue("body", body);
            command.Parameters.AddWithValue("signature", signature);
            command.Parameters.AddWithValue("key", key.KeyId);
            command.Parameters.AddWithValue("companies", heads.Select(h => h.Company).ToArray());
            command.Parameters.AddWithValue("seqs", heads.Select(h => h.Seq).ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        // The file is a copy for whoever keeps checkpoints outside the platform; the database row is the one the pages serve.
        var directory = ConsentSigningKey.CheckpointDirectory(options.Value, environment);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"checkpoint-{id:D8}.json")),
            CheckpointFile.Write(new SignedCheckpoint(id, body, Convert.ToBase64String(signature), key.KeyId)), cancellationToken);
        return (id, heads.Count);
    }
}

/// <summary>A checkpoint as published: the signed body byte for byte, its DER signature in base64 and the key's id.</summary>
internal sealed record SignedCheckpoint(long Id, string Body, string Signature, string KeyId);

internal static class CheckpointFile
{
    public static string Write(SignedCheckpoint checkpoint) => JsonSerializer.Serialize(checkpoint, ConsentProofJson.Options);
}

/// <summary>
/// The signed text of a checkpoint (format <c>consent-checkpoint/1</c>): compact JSON with the chain head of each company
/// whose chain grew since the previous checkpoint. Verifiers parse it; only its exact bytes are signed.
/// </summary>
internal static class CheckpointBody
{
    public const string Format = "consent-checkpoint/1";

    public sealed record Head(Guid CompanyId, long Seq, string Chain);

    public sealed record Content(string Format, long Id, string IssuedAt, string KeyId, IReadOnlyList<Head> Heads);

    public static string Write(long id, string issuedAt, string keyId, IEnumerable<(Guid Company, long Seq, byte[] Chain)> heads) =>
        JsonSerializer.Serialize(new Content(Format, id, issuedAt, keyId,
            heads.OrderBy(h => h.Company).Select(h => new Head(h.Company, h.Seq, Convert.ToHexStringLower(h.Chain))).ToList()), ConsentProofJson.Options);

    public static Content? Read(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<Content>(body, ConsentProofJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

internal static class ConsentProofJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
