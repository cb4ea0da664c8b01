namespace Platform.Modules.Campaigns.Domain;

/// <summary>
/// The id bounds statements put on <c>campaigns.messages</c> so that PostgreSQL reads only the partitions that can hold
/// what they look for (ADR 37). Each is a scalar subquery: evaluated once per statement, and the partitions outside the
/// bound are skipped at execution ("never executed" in EXPLAIN ANALYZE).
/// </summary>
internal static class MessagePartitions
{
    /// <summary>
    /// The lowest id a message that can still get a receipt may have (claimed, submitted, or of a campaign still
    /// sending): the first partition the partition job saw awaiting receipts. For lookups by carrier message id, and the
    /// sweeps of claimed and submitted messages.
    /// </summary>
    public const string ReceiptFloor =
        "(SELECT COALESCE(min(first_id), 1) FROM campaigns.message_partitions WHERE awaiting_receipts AND dropped_at IS NULL)";

    /// <summary>The lowest id the messages of the campaign <paramref name="parameter"/> (e.g. <c>@campaign</c>) can have.</summary>
    public static string CampaignFloor(string parameter) =>
        $"COALESCE((SELECT messages_from FROM campaigns.campaigns WHERE id = {parameter}), 1)";

    /// <summary>
    /// The id the next message gets, as an SQL expression (reading the sequence takes no id): what a campaign's
    /// <c>messages_from</c> is set to just before its messages are written.
    /// </summary>
    public const string NextId = "(SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM campaigns.messages_id_seq)";

    /// <summary>
    /// <paramref name="column"/> within the partitions that took messages within an hour of <paramref name="at"/> (the
    /// hour covers a message written a little after its id was made, and clocks that differ): for a send-API message by
    /// the time in its id. A partition the job has not seen reached yet (opened_at NULL) counts as opened with the one
    /// before it: ids may have filled that one and gone on into it since the job's last run.
    /// </summary>
    public static string WrittenAround(string column, string at)
    {
        var around = $"""
            FROM campaigns.message_partitions p WHERE p.dropped_at IS NULL
              AND COALESCE(p.opened_at, (SELECT max(q.opened_at) FROM campaigns.message_partitions q WHERE q.first_id < p.first_id)) <= {at} + interval '1 hour'
              AND (p.closed_at IS NULL OR p.closed_at >= {at} - interval '1 hour')
            """;
        return $"{column} >= (SELECT min(p.first_id) {around}) AND {column} < (SELECT max(p.end_id) {around})";
    }

    /// <summary>When a UUIDv7 was made (its first 48 bits, milliseconds since 1970); null for an id of another version.</summary>
    public static DateTimeOffset? MadeAt(Guid id)
    {
        if (id.Version != 7)
        {
            return null;
        }

        var bytes = id.ToByteArray(bigEndian: true);
        var milliseconds = 0L;
        for (var i = 0; i < 6; i++)
        {
            milliseconds = (milliseconds << 8) | bytes[i];
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }
}
