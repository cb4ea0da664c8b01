using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Features;

/// <summary>A handset that is a subscriber: its user code, and its latest subscription on a platform number (if any).</summary>
internal sealed record ReplySender(string UserCode, (Guid CompanyId, string Word, DateTimeOffset At)? Latest);

/// <summary>
/// What a reply needs to know of the handset: its user code when it is a subscriber, and its subscription on that
/// platform number that was last in contact with it (company, keyword, when), if any. Every reply asks (issue #12's
/// throughput path), so the lookups of one platform number that arrive together are answered by one statement
/// (<see cref="LaneGatherer{TKey, TItem, TResult}"/>, as the reply's write in Campaigns is), one round trip for many.
/// </summary>
internal sealed class ReplySenders
{
    /// <summary>Handsets looked up in one statement.</summary>
    internal const int MaxPerBatch = 100;

    private const string LookupSql = """
        SELECT q.ord, s.user_code, l.company_id, l.word, l.last_contact_at
        FROM unnest(@phones) WITH ORDINALITY AS q(phone, ord)
        JOIN optins.subscribers s ON s.phone = q.phone
        LEFT JOIN LATERAL (
            SELECT sub.company_id, k.word, sub.last_contact_at
            FROM optins.subscriptions sub JOIN optins.keywords k ON k.id = sub.keyword_id
            WHERE sub.subscriber_id = s.id AND sub.platform_number = @number
            ORDER BY sub.last_contact_at DESC LIMIT 1) l ON true
        """;

    private readonly OptInsDataSource dataSource;
    private readonly LaneGatherer<string, string, ReplySender?> _lookups;

    public ReplySenders(OptInsDataSource dataSource, ILogger<ReplySenders> logger)
    {
        this.dataSource = dataSource;
        _lookups = new LaneGatherer<string, string, ReplySender?>(
            LookUpAsync, MaxPerBatch, storesPerLane: 2,
            logger);
    }

    /// <summary>The handset as a subscriber of anything on the platform number, or null when it is none.</summary>
    public Task<ReplySender?> FindAsync(string phone, string platformNumber) => _lookups.SubmitAsync(platformNumber, phone);

    /// <summary>Lookups for the platform number waiting for a statement of the number's lane.</summary>
    internal int WaitingFor(string platformNumber) => _lookups.WaitingFor(platformNumber);

    private async Task<IReadOnlyList<ReplySender?>> LookUpAsync(string platformNumber, IReadOnlyList<string> phones)
    {
        await using var command = dataSource.Source.CreateCommand(LookupSql);
        command.Parameters.Add(new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = phones.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = platformNumber });
        var found = new ReplySender?[phones.Count];
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
        {
            found[reader.GetInt64(0) - 1] = new ReplySender(reader.GetString(1),
                reader.IsDBNull(2) ? null : (reader.GetGuid(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return found;
    }
}
