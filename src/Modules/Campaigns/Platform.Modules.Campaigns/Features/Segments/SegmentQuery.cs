using System.Globalization;
using System.Text;
using MediatR;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.OptIns.Contracts;

namespace Platform.Modules.Campaigns.Features.Segments;

/// <summary>
/// A segment compiled to SQL: <see cref="Rows"/> selects its members as (phone, first_name, time_zone, fields), one row
/// per contact that meets the rules — a number on two chosen lists may come twice, unless <see cref="Distinct"/> (one
/// list alone is unique by number). Values travel as parameters; only field keys (checked names) are in the text.
/// </summary>
internal sealed record SegmentSql(string Rows, bool Distinct, IReadOnlyList<NpgsqlParameter> Parameters)
{
    public void Bind(NpgsqlCommand command)
    {
        foreach (var parameter in Parameters)
        {
            command.Parameters.Add(parameter.Clone());
        }
    }
}

/// <summary>
/// Compiles a segment (ADR 35) on a connection inside a transaction: what OptIns holds — the company's subscribers and
/// the members of each keyword a rule names — is paged from its contract into temporary tables dropped at commit, and
/// the rest is one statement over <c>campaigns.contacts</c>, joined to <c>campaigns.contact_activity</c> only when a rule
/// reads activity. Used by the live count and by the campaign's audience, so both mean the same people.
/// </summary>
internal sealed class SegmentQuery(IMediator mediator, TimeProvider clock)
{
    private int staged;

    public async Task<SegmentSql> CompileAsync(NpgsqlConnection connection, Segment segment, CancellationToken cancellationToken)
    {
        var parameters = new List<NpgsqlParameter>
        {
            new("seg_company", NpgsqlDbType.Uuid) { Value = segment.CompanyId },
        };
        var sources = new List<string>();
        var fromLists = segment.ListIds.Length > 0
            ? $"SELECT phone, first_name, time_zone, fields, created_at FROM campaigns.contacts WHERE company_id = @seg_company AND list_id = ANY (@seg_lists)"
            : "SELECT phone, first_name, time_zone, fields, created_at FROM campaigns.contacts WHERE company_id = @seg_company";
        if (segment.ListIds.Length > 0)
        {
            parameters.Add(new NpgsqlParameter("seg_lists", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = segment.ListIds });
        }

        sources.Add(fromLists);
        if (segment.IncludeSubscribers)
        {
            var table = await StageAsync(connection, segment.CompanyId, null, cancellationToken);
            sources.Add($"SELECT phone, first_name, NULL::text, NULL::jsonb, NULL::timestamptz FROM {table}");
        }

        var kinds = await FieldKindsAsync(connection, segment.CompanyId, cancellationToken);
        var rules = segment.ReadRules();
        var conditions = new List<string>();
        var readsActivity = false;
        foreach (var rule in rules)
        {
            var name = $"seg_p{parameters.Count}";
            if (rule.FieldKey is { } key)
            {
                conditions.Add(FieldCondition(key, kinds.GetValueOrDefault(key, ContactFieldKinds.Text), rule, name, parameters));
            }
            else if (rule.Subject == SegmentRule.Keyword && Guid.TryParse(rule.Value, out var keywordId))
            {
                var table = await StageAsync(connection, segment.CompanyId, keywordId, cancellationToken);
                var member = $"EXISTS (SELECT 1 FROM {table} k WHERE k.phone = c.phone)";
                conditions.Add(rule.Op == SegmentOps.IsNot ? $"NOT {member}" : member);
            }
            else if (rule.Subject == SegmentRule.Added)
            {
                conditions.Add(AddedCondition(rule, name, parameters));
            }
            else if (rule.Activity is { } activity && SegmentOps.Activities.Any(a => a.Activity == activity))
            {
                readsActivity = true;
                conditions.Add(ActivityCondition($"a.last_{activity}_at", rule, name, parameters));
            }
            else
            {
                // A rule that no longer means anything (its keyword was deleted) matches no one, rather than everyone.
                conditions.Add("false");
            }
        }

        var where = conditions.Count == 0 ? "true" : string.Join(segment.Match == SegmentMatch.Any ? " OR " : " AND ", conditions.Select(c => $"({c})"));
        var rows = new StringBuilder()
            .Append("SELECT c.phone, c.first_name, c.time_zone, c.fields FROM (")
            .Append(string.Join(" UNION ALL ", sources))
            .Append(") c ")
            .Append(readsActivity ? "LEFT JOIN campaigns.contact_activity a ON a.company_id = @seg_company AND a.phone = c.phone " : string.Empty)
            .Append("WHERE ").Append(where)
            .ToString();
        return new SegmentSql(rows, segment.ListIds.Length == 1 && !segment.IncludeSubscribers, parameters);
    }

    private static string FieldCondition(string key, string kind, SegmentRule rule, string name, List<NpgsqlParameter> parameters)
    {
        var value = $"(c.fields ->> {Sql.Literal(key)})";
        switch (rule.Op)
        {
            case SegmentOps.Empty:
                return $"coalesce({value}, '') = ''";
            case SegmentOps.NotEmpty:
                return $"coalesce({value}, '') <> ''";
        }

        if (kind == ContactFieldKinds.Number)
        {
            // Values are stored checked (invariant digits), but a field that changed kind may hold old text: not a number, no match.
            var number = $"(CASE WHEN {value} ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN {value}::numeric END)";
            parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Numeric) { Value = decimal.Parse(rule.Value ?? "0", CultureInfo.InvariantCulture) });
            return rule.Op switch
            {
                SegmentOps.Greater => $"{number} > @{name}",
                SegmentOps.Less => $"{number} < @{name}",
                SegmentOps.IsNot => $"{number} IS DISTINCT FROM @{name}",
                _ => $"{number} = @{name}",
            };
        }

        if (kind == ContactFieldKinds.Date)
        {
            // YYYY-MM-DD compares as text in date order.
            var date = $"(CASE WHEN {value} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN {value} END)";
            parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = rule.Value ?? string.Empty });
            return rule.Op switch
            {
                SegmentOps.Before => $"{date} < @{name}",
                SegmentOps.OnOrAfter => $"{date} >= @{name}",
                _ => $"{date} = @{name}",
            };
        }

        // Text and choices compare without regard to case, as a marketer reads them ("leeds" is "Leeds").
        parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = (rule.Value ?? string.Empty).ToLowerInvariant() });
        return rule.Op switch
        {
            SegmentOps.IsNot => $"lower(coalesce({value}, '')) <> @{name}",
            SegmentOps.Contains => $"strpos(lower({value}), @{name}) > 0",
            _ => $"lower({value}) = @{name}",
        };
    }

    private string AddedCondition(SegmentRule rule, string name, List<NpgsqlParameter> parameters)
    {
        // A date is the start of that day in UTC (the page says so); "in the last N days" counts back from now.
        var at = rule.Op == SegmentOps.Within && SegmentOps.TryDays(rule.Value, out var days)
            ? clock.GetUtcNow().AddDays(-days)
            : new DateTimeOffset(DateOnly.ParseExact(rule.Value ?? "1970-01-01", "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = at });
        return rule.Op == SegmentOps.Before ? $"c.created_at < @{name}" : $"c.created_at >= @{name}";
    }

    private string ActivityCondition(string column, SegmentRule rule, string name, List<NpgsqlParameter> parameters)
    {
        switch (rule.Op)
        {
            case SegmentOps.Ever:
                return $"{column} IS NOT NULL";
            case SegmentOps.Never:
                return $"{column} IS NULL";
        }

        SegmentOps.TryDays(rule.Value, out var days);
        parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = clock.GetUtcNow().AddDays(-days) });
        return rule.Op == SegmentOps.NotWithin ? $"({column} IS NULL OR {column} < @{name})" : $"{column} >= @{name}";
    }

    private static async Task<Dictionary<string, string>> FieldKindsAsync(NpgsqlConnection connection, Guid companyId, CancellationToken cancellationToken)
    {
        var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT key, kind FROM campaigns.contact_fields WHERE company_id = @company", connection);
        command.Parameters.AddWithValue("company", companyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            kinds[reader.GetString(0)] = reader.GetString(1);
        }

        return kinds;
    }

    /// <summary>
    /// Copies the company's opted-in subscribers (those of one keyword when <paramref name="keywordId"/> is given) from
    /// OptIns' contract into a temporary table dropped at commit, a page at a time; answers its name.
    /// </summary>
    private async Task<string> StageAsync(NpgsqlConnection connection, Guid companyId, Guid? keywordId, CancellationToken cancellationToken)
    {
        var table = $"segment_stage_{++staged}";
        await connection.ExecuteAsync($"CREATE TEMP TABLE {table} (phone text NOT NULL, first_name text) ON COMMIT DROP", cancellationToken);
        string? after = null;
        do
        {
            var page = await mediator.Send(new GetOptedInSubscribersPage(companyId, after, KeywordId: keywordId), cancellationToken);
            await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} (phone, first_name) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var member in page.Items)
                {
                    await importer.StartRowAsync(cancellationToken);
                    await importer.WriteAsync(member.Phone, NpgsqlDbType.Text, cancellationToken);
                    await importer.WriteAsync(member.FirstName, NpgsqlDbType.Text, cancellationToken);
                }

                await importer.CompleteAsync(cancellationToken);
            }

            after = page.NextAfterPhone;
        }
        while (after is not null);

        await connection.ExecuteAsync($"CREATE INDEX ON {table} (phone); ANALYZE {table}", cancellationToken);
        return table;
    }
}
