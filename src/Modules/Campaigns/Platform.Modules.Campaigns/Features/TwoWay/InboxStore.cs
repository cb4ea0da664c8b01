using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.TwoWay;

/// <summary>Which threads the inbox lists.</summary>
internal static class InboxFilters
{
    public const string Open = "open";
    public const string Done = "done";
    public const string All = "all";

    public static string Normalize(string? filter) => filter switch
    {
        Done => Done,
        All => All,
        _ => Open,
    };
}

/// <summary>
/// Who a thread is with, as the company may see it: the name from one of its contact lists, else the person's user code
/// when they are a keyword subscriber (then the number is never shown: companies know subscribers only by code), else
/// the number. <paramref name="Number"/> is null whenever the number must not be shown.
/// </summary>
internal sealed record InboxParty(string Who, string? Number, string? UserCode, bool Listed)
{
    public static InboxParty Of(string phone, string? userCode, string? name, bool listed)
    {
        var number = userCode is null || listed ? phone : null;
        return new InboxParty(name ?? userCode ?? phone, number, userCode, listed);
    }

    /// <summary><see cref="Who"/> for a company in <paramref name="country"/>: when it is the number, as it is dialled there.</summary>
    public string WhoIn(string country) => Number is { } number && Who == number ? PhoneNumbers.Display(number, country) : Who;
}

/// <summary>One row of the inbox list.</summary>
internal sealed record InboxThreadRow(Guid Id, InboxParty Party, DateTimeOffset LastAt, string LastPreview, int Unread, bool Done);

/// <summary>A page of the inbox list and the cursor of the next one (null on the last page).</summary>
internal sealed record InboxPage(IReadOnlyList<InboxThreadRow> Threads, string? Next);

/// <summary>A thread as the thread page shows it.</summary>
internal sealed record InboxThread(Guid Id, string PlatformNumber, string Phone, InboxParty Party, DateTimeOffset LastAt, int Unread, DateTimeOffset? DoneAt);

/// <summary>One entry of a thread, with the name and kind of the campaign an inbound message answers.</summary>
internal sealed record InboxEntry(
    long Id, string Direction, string? Event, string Body, Guid? CampaignId, string? CampaignName, string? CampaignKind,
    Guid? SentBy, string? Error, DateTimeOffset At);

/// <summary>
/// The inbox's reads and its few writes besides new entries (read, done, reopen, retention); new entries go through
/// <see cref="ConversationStore"/>. Every statement is filtered by the company, so another company's thread id finds
/// nothing, exactly like an unknown one.
/// </summary>
internal sealed class InboxStore(CampaignsDataSource dataSource, InboxNotifications notifications)
{
    /// <summary>Longest search text accepted; longer input is cut, never an error.</summary>
    public const int MaxSearchLength = 100;

    /// <summary>
    /// The contact name (the most recently edited named contact on any of the company's lists with that number) and
    /// whether the number is on one of its lists at all: one probe of contacts_company_phone per thread, in the same
    /// statement as the threads (no query per row).
    /// </summary>
    private const string ContactName = """
        LEFT JOIN LATERAL (
            SELECT (array_agg(NULLIF(btrim(concat_ws(' ', k.first_name, k.last_name)), '') ORDER BY k.updated_at DESC)
                        FILTER (WHERE NULLIF(btrim(concat_ws(' ', k.first_name, k.last_name)), '') IS NOT NULL))[1] AS name,
                   count(*) > 0 AS listed
            FROM campaigns.contacts k
            WHERE k.company_id = c.company_id AND k.phone = c.phone) n ON true
        """;

    /// <summary>
    /// The company's threads that hold messages, newest first, 50 (or <paramref name="pageSize"/>) a page after the
    /// cursor. Without a search this walks conversations_company_recent (company_id, last_at DESC) WHERE messages > 0 and
    /// stops after a page: cost of one page, whatever the inbox's size.
    /// <para>
    /// With a search it is the same walk with a filter: a thread matches by contact name (a contacts_company_phone probe),
    /// by number (only where the company may see the number: a subscriber known by code cannot be found by number), by
    /// user code, or by the text of any of its entries (an EXISTS over conversation_messages_thread, reading that thread's
    /// bodies). The walk stops once a page has matched, so a common word costs about a page; a search that matches little
    /// reads every thread of the company and their entries: linear in the company's inbox, which retention bounds to 12
    /// months. No trigram index: the platform's role may not create extensions, and one company's inbox is small next to
    /// the messages table.
    /// </para>
    /// </summary>
    public async Task<InboxPage> ListAsync(Guid companyId, string filter, string? search, string? cursor, int pageSize, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"""
            SELECT c.id, c.phone, c.user_code, c.last_at, c.last_preview, c.unread, c.done_at IS NOT NULL, n.name, n.listed
            FROM campaigns.conversations c
            {ContactName}
            WHERE c.company_id = @company AND c.messages > 0
            """);
        await using var command = dataSource.Source.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        switch (InboxFilters.Normalize(filter))
        {
            case InboxFilters.Open:
                sql.Append(" AND c.done_at IS NULL");
                break;
            case InboxFilters.Done:
                sql.Append(" AND c.done_at IS NOT NULL");
                break;
        }

        if (TryParseCursor(cursor, out var beforeAt, out var beforeId))
        {
            sql.Append(" AND (c.last_at, c.id) < (@before_at, @before_id)");
            command.Parameters.Add(new NpgsqlParameter("before_at", NpgsqlDbType.TimestampTz) { Value = beforeAt });
            command.Parameters.Add(new NpgsqlParameter("before_id", NpgsqlDbType.Uuid) { Value = beforeId });
        }

        if (NormalizeSearch(search) is { } text)
        {
            var digits = new string(text.Where(char.IsAsciiDigit).ToArray());
            var looksLikeNumber = digits.Length >= 3 && text.All(ch => char.IsAsciiDigit(ch) || ch is '+' or ' ' or '-' or '(' or ')' or '.');
            sql.Append("""
                 AND (upper(c.user_code) = upper(@text)
                      OR (@digits <> '' AND (c.user_code IS NULL OR n.listed) AND c.phone LIKE '%' || @digits || '%')
                      OR EXISTS (SELECT 1 FROM campaigns.contacts k WHERE k.company_id = c.company_id AND k.phone = c.phone
                                 AND concat_ws(' ', k.first_name, k.last_name) ILIKE @pattern)
                      OR EXISTS (SELECT 1 FROM campaigns.conversation_messages e WHERE e.conversation_id = c.id AND e.company_id = c.company_id
                                 AND e.body ILIKE @pattern))
                """);
            command.Parameters.Add(new NpgsqlParameter("pattern", NpgsqlDbType.Text) { Value = "%" + EscapeLike(text) + "%" });
            command.Parameters.Add(new NpgsqlParameter("text", NpgsqlDbType.Text) { Value = text });
            command.Parameters.Add(new NpgsqlParameter("digits", NpgsqlDbType.Text) { Value = looksLikeNumber ? digits : string.Empty });
        }

        sql.Append(" ORDER BY c.last_at DESC, c.id DESC LIMIT @limit");
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = pageSize + 1 });
        command.CommandText = sql.ToString();

        var rows = new List<InboxThreadRow>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var party = InboxParty.Of(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(8));
                rows.Add(new InboxThreadRow(reader.GetGuid(0), party, reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4), reader.GetInt32(5), reader.GetBoolean(6)));
            }
        }

        if (rows.Count <= pageSize)
        {
            return new InboxPage(rows, null);
        }

        rows.RemoveAt(rows.Count - 1);
        return new InboxPage(rows, FormatCursor(rows[^1].LastAt, rows[^1].Id));
    }

    public async Task<InboxThread?> ThreadAsync(Guid companyId, Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand($"""
            SELECT c.id, c.platform_number, c.phone, c.user_code, c.last_at, c.unread, c.done_at, n.name, n.listed
            FROM campaigns.conversations c
            {ContactName}
            WHERE c.id = @id AND c.company_id = @company
            """);
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var phone = reader.GetString(2);
        var party = InboxParty.Of(phone, reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(8));
        return new InboxThread(reader.GetGuid(0), reader.GetString(1), phone, party, reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt32(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
    }

    /// <summary>
    /// A thread's entries in order, oldest first: the latest <paramref name="limit"/> before <paramref name="before"/>
    /// (the page), or every one after <paramref name="after"/> (what the open page has not shown yet).
    /// </summary>
    public async Task<IReadOnlyList<InboxEntry>> EntriesAsync(Guid companyId, Guid id, long? after, long? before, int limit, CancellationToken cancellationToken)
    {
        var newest = after is null;
        await using var command = dataSource.Source.CreateCommand($"""
            SELECT e.id, e.direction, e.event, e.body, e.campaign_id, cp.name, cp.kind, e.sent_by, e.error, e.at
            FROM campaigns.conversation_messages e
            LEFT JOIN campaigns.campaigns cp ON cp.id = e.campaign_id AND cp.company_id = e.company_id
            WHERE e.conversation_id = @id AND e.company_id = @company AND e.id > @after AND e.id < @before
            ORDER BY e.id {(newest ? "DESC" : "ASC")} LIMIT @limit
            """);
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Bigint) { Value = after ?? 0 });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = before ?? long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        var entries = new List<InboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new InboxEntry(
                reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetGuid(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9)));
        }

        if (newest)
        {
            entries.Reverse();
        }

        return entries;
    }

    /// <summary>Opening a thread reads it. Notifies the company's open pages (their badge) only when something changed.</summary>
    public Task<bool> MarkReadAsync(Guid companyId, Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(companyId, id, "unread = 0", "unread > 0", null, cancellationToken);

    /// <summary>Done: handled, out of the open list, and read. A new inbound message reopens it (ConversationStore).</summary>
    public Task<bool> MarkDoneAsync(Guid companyId, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(companyId, id, "done_at = @now, unread = 0", "done_at IS NULL", now, cancellationToken);

    public Task<bool> ReopenAsync(Guid companyId, Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(companyId, id, "done_at = NULL", "done_at IS NOT NULL", null, cancellationToken);

    private async Task<bool> ChangeAsync(Guid companyId, Guid id, string set, string when, DateTimeOffset? now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand($"""
            UPDATE campaigns.conversations SET {set}
            WHERE id = @id AND company_id = @company AND {when}
            """);
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = (object?)now ?? DBNull.Value });
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return false;
        }

        notifications.Announce(companyId);
        return true;
    }

    /// <summary>The nav badge: an index-only sum over conversations_company_unread (open threads with unread messages only).</summary>
    public async Task<int> CountUnreadAsync(Guid companyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(
            "SELECT COALESCE(sum(unread), 0)::int FROM campaigns.conversations WHERE company_id = @company AND unread > 0 AND done_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Retention: threads whose last entry is older than <paramref name="cutoff"/> go with their entries (ON DELETE
    /// CASCADE), oldest first, a batch at a time (conversations_last_at). Rows are locked and the age re-checked, so a
    /// thread that got a message meanwhile stays. Answers how many threads were deleted.
    /// </summary>
    public async Task<int> DeleteThreadsBeforeAsync(DateTimeOffset cutoff, int batch, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("""
            WITH doomed AS (
                SELECT id FROM campaigns.conversations WHERE last_at < @cutoff
                ORDER BY last_at LIMIT @batch FOR UPDATE SKIP LOCKED)
            DELETE FROM campaigns.conversations c USING doomed d
            WHERE c.id = d.id AND c.last_at < @cutoff
            """);
        command.Parameters.Add(new NpgsqlParameter("cutoff", NpgsqlDbType.TimestampTz) { Value = cutoff });
        command.Parameters.Add(new NpgsqlParameter("batch", NpgsqlDbType.Integer) { Value = batch });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }


    public static string? NormalizeSearch(string? search)
    {
        var text = search?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return text.Length <= MaxSearchLength ? text : text[..MaxSearchLength];
    }

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    /// <summary>The keyset cursor: the last row's time (UTC ticks, exact for PostgreSQL's microseconds) and id.</summary>
    public static string FormatCursor(DateTimeOffset at, Guid id) => $"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{id:N}";

    /// <summary>A cursor that does not parse is ignored (the first page), never an error.</summary>
    public static bool TryParseCursor(string? cursor, out DateTimeOffset at, out Guid id)
    {
        (at, id) = (default, default);
        var parts = cursor?.Split('_');
        if (parts is not { Length: 2 }
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !Guid.TryParseExact(parts[1], "N", out id))
        {
            return false;
        }

        at = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }
}

/// <summary>The nav badge's count, for the host's layout (through the contract): remembered between changes (<see cref="UnreadBadgeCounts"/>).</summary>
internal sealed class CountUnreadConversationsHandler(InboxStore store, UnreadBadgeCounts badges) : MediatR.IRequestHandler<Contracts.CountUnreadConversations, int>
{
    public Task<int> Handle(Contracts.CountUnreadConversations request, CancellationToken cancellationToken) =>
        badges.GetAsync(request.CompanyId, token => store.CountUnreadAsync(request.CompanyId, token), cancellationToken);
}
