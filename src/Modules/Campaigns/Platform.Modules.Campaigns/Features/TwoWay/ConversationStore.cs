using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Campaigns.Contracts;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared;

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
/// added twice. Every write that added something is announced to the open inbox pages once it has committed
/// (<see cref="InboxNotifications.Announce"/>), never notified inside the statement (that would serialise all of them).
/// </summary>
internal sealed class ConversationStore
{
    /// <summary>Replies of one platform number written in one round trip (<see cref="AppendReplyAsync"/>).</summary>
    internal const int MaxRepliesPerBatch = 100;

    /// <summary>Batches of one platform number written at once: one written while the next gathers.</summary>
    internal const int WritesPerNumber = 2;

    private readonly CampaignsDataSource dataSource;
    private readonly InboxNotifications notifications;
    private readonly LaneGatherer<string, PendingReply, ReplyWritten> _replies;

    public ConversationStore(CampaignsDataSource dataSource, InboxNotifications notifications, ILogger<ConversationStore> logger)
    {
        this.dataSource = dataSource;
        this.notifications = notifications;
        _replies = new LaneGatherer<string, PendingReply, ReplyWritten>(
            (_, batch) => AppendRepliesAsync(batch, CancellationToken.None), MaxRepliesPerBatch, WritesPerNumber,
            logger);
    }

    public const string Channel = "campaigns_inbox";

    /// <summary>Longest preview kept on the thread for the inbox list.</summary>
    public const int PreviewLength = 160;

    /// <summary>
    /// The thread upsert and the entry, for the company and campaign of the one-row CTE <c>target</c> that comes before it
    /// (nothing is written when it has no row), and the entry queued for the company's inbound feed when the feed carries
    /// it (messages from handsets, STOP, START and keyword events; <see cref="Api.InboundTypes"/>), to be numbered by the
    /// feed's readers (Migrations/0013). Answers the company and the thread (null: a redelivery already recorded).
    /// </summary>
    private const string WriteTarget = """
        seen AS (
            SELECT 1 FROM campaigns.conversation_messages
            WHERE @direction = 'in' AND @carrier_id IS NOT NULL AND direction = 'in'
              AND carrier_instance = @instance AND carrier_message_id = @carrier_id),
        conversation AS (
            INSERT INTO campaigns.conversations AS c (id, company_id, platform_number, phone, user_code, last_at, last_preview, unread, messages, done_at, created_at)
            SELECT @new_id, t.company_id, @number, @phone, @user_code, @at, @preview, @unread, @messages, NULL, @at
            FROM target t
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
            SELECT c.id, t.company_id, @direction, @event, @body, t.campaign_id, @instance, @carrier_id, @sent_by, @error, @at
            FROM conversation c, target t
            ON CONFLICT DO NOTHING
            RETURNING id, company_id),
        queued AS (
            INSERT INTO campaigns.inbound_queue (message_id, company_id, created_at)
            SELECT e.id, e.company_id, clock_timestamp() FROM entry e
            WHERE @direction = 'in' OR (@direction = 'event' AND @event IN ('stop', 'start', 'keyword')))
        SELECT t.company_id, (SELECT id FROM conversation) FROM target t
        """;

    private const string AppendSql = "WITH target AS (SELECT @company::uuid AS company_id, @campaign::uuid AS campaign_id),\n" + WriteTarget;

    /// <summary>
    /// The reply's company, chosen in the statement that writes it: the company that messaged the handset last on that
    /// number (<see cref="RecipientContacts.LastSql"/>), unless the keyword it texted there is more recent.
    /// </summary>
    private const string ReplySql = "WITH sent AS (" + RecipientContacts.LastSql + """
        ),
        target AS (
            SELECT company_id, campaign_id FROM sent WHERE @keyword_company::uuid IS NULL OR sent.last_at >= @keyword_at
            UNION ALL
            SELECT @keyword_company, NULL::uuid
            WHERE @keyword_company IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sent WHERE sent.last_at >= @keyword_at)),

        """ + WriteTarget;

    /// <summary>Adds the entry; answers the thread's id, or null when it was a redelivery already recorded.</summary>
    public async Task<Guid?> AppendAsync(ConversationEntry entry, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(AppendSql);
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = entry.CompanyId });
        command.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = (object?)entry.CampaignId ?? DBNull.Value });
        return (await WriteAsync(command, entry, cancellationToken))?.Thread;
    }

    /// <summary>
    /// A reply from a handset, to the inbox of the company that messaged it last on that number since
    /// <paramref name="since"/> — or of <paramref name="keyword"/>'s company when that contact is more recent — in one
    /// statement (lookup, thread, entry). <paramref name="reply"/>'s company and campaign are not read: the statement
    /// picks them. Answers the company, or null when no company messaged the handset there, once it has committed.
    /// Replies to one platform number that arrive together are written together, in one round trip and one commit
    /// (issue #12: a round trip and a commit per reply held the inbox at ~1,500 replies/s here; docs/benchmarks.md).
    /// </summary>
    public async Task<Guid?> AppendReplyAsync(ConversationEntry reply, DateTimeOffset since, CompanyContact? keyword)
    {
        var written = await _replies.SubmitAsync(reply.PlatformNumber, new PendingReply(reply, since, keyword));
        if (written.Refused is { } refused)
        {
            ExceptionDispatchInfo.Throw(refused);
        }

        return written.Company;
    }

    /// <summary>Replies to the platform number waiting for a write of the number's lane.</summary>
    internal int RepliesWaiting(string platformNumber) => _replies.WaitingFor(platformNumber);

    /// <summary>
    /// Replies as one batch of statements, executed in order in one implicit transaction: each sees the ones before it
    /// (the same handset twice, a redelivery), and all commit together or none. Sorted by handset, so two batches that
    /// touch the same threads lock them in the same order. When PostgreSQL refuses the batch (all of it rolled back),
    /// each reply is written alone, so one reply's problem is only its own.
    /// </summary>
    private async Task<IReadOnlyList<ReplyWritten>> AppendRepliesAsync(IReadOnlyList<PendingReply> replies, CancellationToken cancellationToken)
    {
        var order = Enumerable.Range(0, replies.Count).OrderBy(i => replies[i].Reply.Phone, StringComparer.Ordinal).ToList();
        var written = new (Guid Company, Guid? Thread)?[replies.Count];
        var refused = new PostgresException?[replies.Count];
        try
        {
            await using var batch = dataSource.Source.CreateBatch();
            foreach (var i in order)
            {
                var command = new NpgsqlBatchCommand(ReplySql);
                AddReplyParameters(command.Parameters, replies[i]);
                batch.BatchCommands.Add(command);
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            for (var n = 0; n < order.Count; n++)
            {
                if (n > 0)
                {
                    await reader.NextResultAsync(cancellationToken);
                }

                written[order[n]] = await ReadWrittenAsync(reader, cancellationToken);
            }
        }
        catch (PostgresException)
        {
            dataSource.ForgetPreparedStatements();
            if (replies.Count == 1)
            {
                throw;
            }

            Array.Clear(written); // what was read before the refusal was rolled back with it
            foreach (var i in order)
            {
                try
                {
                    await using var command = dataSource.Source.CreateCommand(ReplySql);
                    AddReplyParameters(command.Parameters, replies[i]);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    written[i] = await ReadWrittenAsync(reader, cancellationToken);
                }
                catch (PostgresException exception)
                {
                    dataSource.ForgetPreparedStatements();
                    refused[i] = exception;
                }
            }
        }

        // Announced once the batch is done: it has committed by then, so a page that wakes reads the entries.
        foreach (var company in written.Where(w => w is { Thread: not null }).Select(w => w!.Value.Company).Distinct())
        {
            notifications.Announce(company);
        }

        return [.. written.Select((w, i) => new ReplyWritten(w?.Company, refused[i]))];
    }

    private static void AddReplyParameters(NpgsqlParameterCollection parameters, PendingReply pending)
    {
        parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = pending.Since });
        parameters.Add(new NpgsqlParameter("keyword_company", NpgsqlDbType.Uuid) { Value = (object?)pending.Keyword?.CompanyId ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("keyword_at", NpgsqlDbType.TimestampTz) { Value = (object?)pending.Keyword?.At ?? DBNull.Value });
        AddEntryParameters(parameters, pending.Reply);
    }

    private static async Task<(Guid Company, Guid? Thread)?> ReadWrittenAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken) ? (reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1)) : null;

    private sealed record PendingReply(ConversationEntry Reply, DateTimeOffset Since, CompanyContact? Keyword);

    /// <summary>A reply's company (null: no company messaged the handset), or what PostgreSQL refused it for.</summary>
    private sealed record ReplyWritten(Guid? Company, PostgresException? Refused);

    private async Task<(Guid Company, Guid? Thread)?> WriteAsync(NpgsqlCommand command, ConversationEntry entry, CancellationToken cancellationToken)
    {
        AddEntryParameters(command.Parameters, entry);
        (Guid Company, Guid? Thread)? written;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            written = await ReadWrittenAsync(reader, cancellationToken);
        }

        // Announced once the reader is done: the statement has committed by then, so a page that wakes reads the entry.
        if (written is { Thread: not null } added)
        {
            notifications.Announce(added.Company);
        }

        return written;
    }

    private static void AddEntryParameters(NpgsqlParameterCollection parameters, ConversationEntry entry)
    {
        parameters.Add(new NpgsqlParameter("new_id", NpgsqlDbType.Uuid) { Value = Guid.CreateVersion7() });
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
        parameters.Add(new NpgsqlParameter("instance", NpgsqlDbType.Text) { Value = (object?)entry.CarrierInstance ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("carrier_id", NpgsqlDbType.Text) { Value = (object?)entry.CarrierMessageId ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("sent_by", NpgsqlDbType.Uuid) { Value = (object?)entry.SentBy ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)entry.Error ?? DBNull.Value });
    }

    private static string Preview(ConversationEntry entry)
    {
        var text = entry.Direction == ConversationDirections.Event ? $"[{entry.Event?.ToUpperInvariant()}] {entry.Body}" : entry.Body;
        return text.Length <= PreviewLength ? text : text[..(char.IsHighSurrogate(text[PreviewLength - 1]) ? PreviewLength - 1 : PreviewLength)];
    }
}
