using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Campaigns.Domain;

namespace Platform.Modules.Campaigns.Features.TwoWay;

/// <summary>One entry to add to a company's thread with a handset.</summary>
internal sealed record ConversationEntry(
    Guid CompanyId,
    string PlatformNumber,
    string Phone,
    string Direction,
    string? Event,
    string Body,
    DateTimeOffset At,
    string? UserCode = null,
    Guid? CampaignId = null,
    string? CarrierInstance = null,
    string? CarrierMessageId = null,
    Guid? SentBy = null,
    string? Error = null);

/// <summary>
/// The one write path of the inbox: opens the thread on first contact and adds an entry, in one statement. An inbound
/// message counts as unread and reopens a thread marked done; a redelivered inbound message (same carrier id) is not
/// added twice. Every write notifies <see cref="Channel"/> with the company id, so open inbox pages update at once.
/// </summary>
internal sealed class ConversationStore(CampaignsDataSource dataSource)
{
    public const string Channel = "campaigns_inbox";

    /// <summary>Longest preview kept on the thread for the inbox list.</summary>
    public const int PreviewLength = 160;

    /// <summary>Adds the entry; answers the thread's id, or null when it was a redelivery already recorded.</summary>
    public async Task<Guid?> AppendAsync(ConversationEntry entry, CancellationToken cancellationToken)
    {
        const string sql = """
            WITH seen AS (
                SELECT 1 FROM campaigns.conversation_messages
                WHERE @direction = 'in' AND @carrier_id IS NOT NULL AND direction = 'in'
                  AND carrier_instance = @instance AND carrier_message_id = @carrier_id),
            conversation AS (
                INSERT INTO campaigns.conversations AS c (id, company_id, platform_number, phone, user_code, last_at, last_preview, unread, messages, done_at, created_at)
                SELECT @new_id, @company, @number, @phone, @user_code, @at, @preview, @unread, @messages, NULL, @at
                WHERE NOT EXISTS (SELECT 1 FROM seen)
                ON CONFLICT (company_id, platform_number, phone) DO UPDATE SET
                    user_code = COALESCE(c.user_code, EXCLUDED.user_code),
                    last_at = GREATEST(c.last_at, EXCLUDED.last_at),
                    last_preview = CASE WHEN EXCLUDED.last_at >= c.last_at THEN EXCLUDED.last_preview ELSE c.last_preview END,
                    unread = c.unread + EXCLUDED.unread,
                    messages = c.messages + EXCLUDED.messages,
                    done_at = CASE WHEN EXCLUDED.unread > 0 THEN NULL ELSE c.done_at END
                RETURNING c.id),
            entry AS (
                INSERT INTO campaigns.conversation_messages
                    (conversation_id, company_id, direction, event, body, campaign_id, carrier_instance, carrier_message_id, sent_by, error, at)
                SELECT id, @company, @direction, @event, @body, @campaign, @instance, @carrier_id, @sent_by, @error, @at FROM conversation
                ON CONFLICT DO NOTHING
                RETURNING conversation_id),
            notified AS (SELECT pg_notify('campaigns_inbox', @company::text) FROM conversation)
            SELECT id FROM conversation, (SELECT count(*) FROM notified) n
            """;
        await using var command = dataSource.Source.CreateCommand(sql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter("new_id", NpgsqlDbType.Uuid) { Value = Guid.CreateVersion7() });
        parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = entry.CompanyId });
        parameters.Add(new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = entry.PlatformNumber });
        parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = entry.Phone });
        parameters.Add(new NpgsqlParameter("user_code", NpgsqlDbType.Text) { Value = (object?)entry.UserCode ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.TimestampTz) { Value = entry.At });
        parameters.Add(new NpgsqlParameter("preview", NpgsqlDbType.Text) { Value = Preview(entry) });
        parameters.Add(new NpgsqlParameter("unread", NpgsqlDbType.Integer) { Value = entry.Direction == ConversationDirections.Inbound ? 1 : 0 });
        parameters.Add(new NpgsqlParameter("messages", NpgsqlDbType.Integer) { Value = entry.Direction == ConversationDirections.Event ? 0 : 1 });
        parameters.Add(new NpgsqlParameter("direction", NpgsqlDbType.Text) { Value = entry.Direction });
        parameters.Add(new NpgsqlParameter("event", NpgsqlDbType.Text) { Value = (object?)entry.Event ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("body", NpgsqlDbType.Text) { Value = entry.Body });
        parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = (object?)entry.CampaignId ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("instance", NpgsqlDbType.Text) { Value = (object?)entry.CarrierInstance ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("carrier_id", NpgsqlDbType.Text) { Value = (object?)entry.CarrierMessageId ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("sent_by", NpgsqlDbType.Uuid) { Value = (object?)entry.SentBy ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)entry.Error ?? DBNull.Value });
        var id = await command.ExecuteScalarAsync(cancellationToken);
        return id is Guid thread ? thread : null;
    }

    private static string Preview(ConversationEntry entry)
    {
        var text = entry.Direction == ConversationDirections.Event ? $"[{entry.Event?.ToUpperInvariant()}] {entry.Body}" : entry.Body;
        return text.Length <= PreviewLength ? text : text[..(char.IsHighSurrogate(text[PreviewLength - 1]) ? PreviewLength - 1 : PreviewLength)];
    }
}
