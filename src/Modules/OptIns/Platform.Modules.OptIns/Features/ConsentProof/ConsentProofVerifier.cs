using System.Globalization;
using System.Text.Json;

namespace Platform.Modules.OptIns.Features.ConsentProof;

/// <summary>What a check found for one record.</summary>
internal enum ProofState
{
    /// <summary>Its content matches its fingerprint, which is in a sealed batch that a signed checkpoint covers.</summary>
    Proven,

    /// <summary>Erased at the person's request: its fingerprint is proven present, its content is gone.</summary>
    Erased,

    /// <summary>Newer than the last signed checkpoint (or not sealed yet): cannot be proven yet.</summary>
    Pending,

    Failed,
}

internal sealed record RecordVerdict(long RecordId, string RecordedAt, string What, ProofState State, string? Reason);

/// <summary>The verdict on a bundle: valid when nothing failed; <see cref="Problems"/> say what and where.</summary>
internal sealed record ProofVerdict(bool Valid, string? Phone, string? CompanyName, IReadOnlyList<string> Problems, IReadOnlyList<RecordVerdict> Records)
{
    public static ProofVerdict Refused(string problem) => new(false, null, null, [problem], []);
}

/// <summary>
/// Checks a proof bundle against a trusted public key (the platform's, from configuration — never the key a bundle
/// names): each checkpoint's signature, each chain segment up to the head its checkpoint signed, each record's audit path
/// to its batch root, each readable record's fingerprint, and that every record follows the one before it.
/// docs/privacy.md describes the same steps for anyone checking offline.
/// </summary>
internal static class ConsentProofVerifier
{
    public static ProofVerdict Verify(string bundleJson, string trustedPublicKeyPem)
    {
        ConsentProofBundle? bundle;
        try
        {
            bundle = JsonSerializer.Deserialize<ConsentProofBundle>(bundleJson, ConsentProofJson.Options);
        }
        catch (JsonException e)
        {
            return ProofVerdict.Refused($"This file is not a consent proof bundle (JSON error at line {e.LineNumber + 1}).");
        }

        if (bundle is null || bundle.Format != ConsentProofBundle.CurrentFormat || bundle.Records is null || bundle.Segments is null || bundle.Checkpoints is null)
        {
            return ProofVerdict.Refused($"This file is not a consent proof bundle: its \"format\" must be \"{ConsentProofBundle.CurrentFormat}\" with records, segments and checkpoints.");
        }

        try
        {
            return Verify(bundle, trustedPublicKeyPem);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NullReferenceException or InvalidOperationException)
        {
            return ProofVerdict.Refused("This bundle is malformed: a hash, salt or signature is not valid hex or base64, or a field is missing.");
        }
    }

    private static ProofVerdict Verify(ConsentProofBundle bundle, string trustedPublicKeyPem)
    {
        var problems = new List<string>();
        var trustedKeyId = ConsentSigningKey.IdOf(trustedPublicKeyPem);

        // 1. Checkpoints: signed by the trusted key; their heads of this company.
        var heads = new Dictionary<long, CheckpointBody.Head>();
        foreach (var checkpoint in bundle.Checkpoints)
        {
            if (!ConsentSigningKey.Verify(trustedPublicKeyPem, checkpoint.Body, Convert.FromBase64String(checkpoint.Signature)))
            {
                problems.Add(Say($"Checkpoint {checkpoint.Id} is not signed by this platform's key ({trustedKeyId}): it was altered, or signed by another key ({checkpoint.KeyId})."));
                continue;
            }

            var body = CheckpointBody.Read(checkpoint.Body);
            if (body?.Id != checkpoint.Id || body.Heads.SingleOrDefault(h => h.CompanyId == bundle.CompanyId) is not { } head)
            {
                problems.Add(Say($"Checkpoint {checkpoint.Id} does not sign a chain head of this company."));
                continue;
            }

            heads[checkpoint.Id] = head;
        }

        // 2. Segments: from the link before the first batch, each root extends the chain up to the head the checkpoint signed.
        var roots = new Dictionary<long, (long Checkpoint, byte[] Root)>();
        foreach (var segment in bundle.Segments)
        {
            if (!heads.TryGetValue(segment.CheckpointId, out var head))
            {
                if (bundle.Checkpoints.All(c => c.Id != segment.CheckpointId))
                {
                    problems.Add(Say($"The chain segment of checkpoint {segment.CheckpointId} has no checkpoint in this bundle."));
                }

                continue;
            }

            var chain = Convert.FromHexString(segment.StartChain);
            for (var i = 0; i < segment.Roots.Count; i++)
            {
                var root = Convert.FromHexString(segment.Roots[i]);
                chain = ConsentChain.Next(chain, root);
                roots[segment.FirstSeq + i] = (segment.CheckpointId, root);
            }

            var lastSeq = segment.FirstSeq + segment.Roots.Count - 1;
            if (lastSeq != head.Seq || Convert.ToHexStringLower(chain) != head.Chain)
            {
                problems.Add(Say($"Batches {segment.FirstSeq}–{lastSeq} do not lead to the chain head that checkpoint {segment.CheckpointId} signed (batch {head.Seq}): a batch was altered, added or removed."));
            }
        }

        // 3. Records, in the order they were written.
        var verdicts = new List<RecordVerdict>();
        for (var i = 0; i < bundle.Records.Count; i++)
        {
            var record = bundle.Records[i];
            var number = i + 1;
            var what = Describe(record);
            string? reason = null;
            var leaf = Convert.FromHexString(record.LeafHash);

            if (!record.Erased)
            {
                var text = ConsentLeafText.Build(record.RecordId, bundle.CompanyId, bundle.Phone, record.Keyword, record.OptedIn ?? false,
                    record.Via ?? string.Empty, record.RecordedAt, record.MessageText, record.PrevHash);
                if (record.Salt is null || !ConsentLeafText.LeafHash(Convert.FromBase64String(record.Salt), text).AsSpan().SequenceEqual(leaf))
                {
                    reason = Say($"Record {number} ({record.RecordedAt}) does not match its fingerprint: its content, time, number or company was altered.");
                }
            }

            var previous = i == 0 ? null : bundle.Records[i - 1];
            if (reason is null && record.PrevHash is not null && record.PrevHash != previous?.LeafHash)
            {
                reason = previous is null
                    ? Say($"Record {number} ({record.RecordedAt}) follows an earlier record of this number that is missing from the bundle.")
                    : Say($"Record {number} ({record.RecordedAt}) does not follow record {number - 1}: a record between them is missing, or records were re-ordered.");
            }
            else if (reason is null && record.PrevHash is null && previous is { Erased: false })
            {
                // A history restarts only after an erasure (the person's new records have no predecessor).
                reason = Say($"Record {number} ({record.RecordedAt}) starts a new history although record {number - 1} is not erased: records were re-ordered.");
            }

            var state = record.Erased ? ProofState.Erased : ProofState.Proven;
            if (reason is null)
            {
                if (record.BatchSeq is not { } seq || record.CheckpointId is null)
                {
                    state = ProofState.Pending;
                }
                else if (!roots.TryGetValue(seq, out var batch) || batch.Checkpoint != record.CheckpointId)
                {
                    reason = Say($"Record {number} ({record.RecordedAt}) names batch {seq}, which no signed chain segment in this bundle covers.");
                }
                else if (record.LeafIndex is not { } index || record.TreeSize is not { } size || record.AuditPath is null
                         || MerkleTree.RootFromPath(leaf, index, size, record.AuditPath.Select(Convert.FromHexString).ToList()) is not { } root
                         || !root.AsSpan().SequenceEqual(batch.Root))
                {
                    reason = Say($"Record {number} ({record.RecordedAt}) is not in batch {seq} as it was sealed: the record or the batch was altered.");
                }
            }

            if (reason is not null)
            {
                problems.Add(reason);
                state = ProofState.Failed;
            }

            verdicts.Add(new RecordVerdict(record.RecordId, record.RecordedAt, what, state, reason));
        }

        return new ProofVerdict(problems.Count == 0, bundle.Phone, bundle.CompanyName, problems, verdicts);
    }

    private static string Describe(ProofRecord record) => record.Erased
        ? "Erased at the person's request"
        : (record.OptedIn == true ? "Opt-in" : "Opt-out") + (record.Via == Domain.ConsentVia.Sms ? " by SMS" : " on the web")
          + (record.Keyword is null ? string.Empty : $" ({record.Keyword})") + (record.MessageText is null ? string.Empty : $": \"{record.MessageText}\"");

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
